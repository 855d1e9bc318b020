"""Hypothesis profiles for the fuzzers: ``ALBANY_FUZZ_PROFILE=ci`` (the default) or ``fuzz``.

``ci`` is bounded and derandomized, so the suite explores the same cases on every run and
the whole directory takes seconds; ``fuzz`` draws many more cases, at random, and keeps the
failing ones in ``.hypothesis/`` to replay (``scripts/fuzz`` runs it, bounded in time).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

PROFILE = os.environ.get("ALBANY_FUZZ_PROFILE", "ci")

_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_SLOW_IS_FINE,
)
settings.register_profile(
    "fuzz",
    max_examples=2_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_IS_FINE,
)
settings.register_profile(
    "debug", parent=settings.get_profile("ci"), phases=[Phase.explicit, Phase.generate]
)
settings.load_profile(PROFILE)


def scaled(ci_examples: int) -> int:
    """A test's number of cases: ``ci_examples`` in ``ci``, 10 times more in ``fuzz``."""
    return ci_examples * 10 if PROFILE == "fuzz" else ci_examples
