"""The hello-world each server in the benchmark serves.

Every app answers any request with ``200``, ``content-type: text/plain`` and the 13 bytes
``Hello, world!`` (``BODY``). ``hello`` holds the ASGI apps (served by Albany, uvicorn,
hypercorn and daphne); the other modules run a framework's own server and take
``--host`` and ``--port``.
"""

BODY = b"Hello, world!"
CONTENT_TYPE = b"text/plain"


def parse_address(description: str) -> tuple[str, int]:
    """``--host`` and ``--port`` from the command line of a framework's own server."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    return args.host, args.port
