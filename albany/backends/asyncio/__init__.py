"""Albany on asyncio: the stdlib loop, or uvloop when chosen."""

from albany.backends.asyncio.server import AsyncioServer

__all__ = ["AsyncioServer"]
