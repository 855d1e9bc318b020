"""The proxy tests that serve every kind of app need every framework: without one, skip them."""

import importlib.util

_FRAMEWORKS = ("aiohttp", "tornado", "twisted")

collect_ignore = (
    []
    if all(importlib.util.find_spec(name) is not None for name in _FRAMEWORKS)
    else ["test_adapters.py", "test_nginx.py", "test_haproxy.py"]
)
