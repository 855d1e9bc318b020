"""``--env-file``: ``KEY=VALUE`` lines into ``os.environ`` before the app is imported.

The dotenv subset: blank lines and ``#`` comments are skipped, an ``export`` prefix is
allowed, a value in single or double quotes is taken as written between them (double
quotes read ``\\n``, ``\\"`` and ``\\\\``), an unquoted value ends at `` #``. No variable
expansion. A variable already in the environment is kept.
"""

from __future__ import annotations

import os
import re

_LINE = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)")
_ESCAPES = {"n": "\n", '"': '"', "\\": "\\"}


def parse_env_file(text: str) -> dict[str, str]:
    """The variables a dotenv text sets. Raises ``ValueError`` naming a bad line."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.fullmatch(stripped)
        if match is None:
            raise ValueError(f"line {number} is not KEY=VALUE: {line!r}")
        name, value = match.groups()
        values[name] = _value(value, number)
    return values


def _value(raw: str, number: int) -> str:
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = raw.find(quote, 1)
        while quote == '"' and end > 0 and raw[end - 1] == "\\" and raw[end - 2 : end] != "\\\\":
            end = raw.find(quote, end + 1)
        if end < 0:
            raise ValueError(f"line {number}: unterminated {quote} quote")
        inner = raw[1:end]
        if quote == '"':
            inner = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), inner)
        return inner
    return raw.split(" #", 1)[0].strip()


def load_env_file(path: str) -> dict[str, str]:
    """Set the variables of the file at ``path`` that the environment lacks; all it holds."""
    with open(path, encoding="utf-8") as file:
        values = parse_env_file(file.read())
    for name, value in values.items():
        os.environ.setdefault(name, value)
    return values
