"""One app per adapter, each with a ``/x`` route and a named ``/item/{id}`` route, reporting
the path it was served on and the URLs its framework builds (``tests/test_mount_prefix.py``)."""
