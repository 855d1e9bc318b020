"""Albany on a Twisted reactor: any reactor, the platform default or asyncio's."""

from albany.backends.twisted.server import TwistedServer

__all__ = ["TwistedServer"]
