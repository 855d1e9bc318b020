"""The in-memory client's responses, named like ``httpx.Response``."""

from __future__ import annotations

import json as json_module
from typing import Any, Iterator, Mapping, Sequence


class ResponseHeaders(Mapping[str, str]):
    """Response header fields, looked up without regard to case; repeated fields joined."""

    def __init__(self, raw: Sequence[tuple[bytes, bytes]]) -> None:
        self.raw = list(raw)

    def get_list(self, name: str) -> list[str]:
        """Every value of the field ``name``, in order."""
        wanted = name.lower().encode("latin-1")
        return [v.decode("latin-1") for n, v in self.raw if n.lower() == wanted]

    def __getitem__(self, name: str) -> str:
        values = self.get_list(name)
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def __iter__(self) -> Iterator[str]:
        seen: list[str] = []
        for name, _ in self.raw:
            text = name.decode("latin-1").lower()
            if text not in seen:
                seen.append(text)
        return iter(seen)

    def __len__(self) -> int:
        return len({name.lower() for name, _ in self.raw})

    def __repr__(self) -> str:
        return f"ResponseHeaders({self.raw!r})"


class MemoryResponse:
    """One response, named like ``httpx.Response`` so one test body can check either."""

    def __init__(self, status_code: int, raw_headers: list[tuple[bytes, bytes]], content: bytes):
        self.status_code = status_code
        self.headers = ResponseHeaders(raw_headers)
        self.content = content

    @property
    def text(self) -> str:
        """The body decoded as UTF-8, undecodable bytes replaced."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json_module.loads(self.content)

    def __repr__(self) -> str:
        return f"<MemoryResponse [{self.status_code}]>"
