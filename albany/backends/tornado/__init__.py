"""Albany on Tornado: ``TCPServer`` and ``IOStream`` on Tornado's IOLoop."""

from albany.backends.tornado.server import TornadoServer

__all__ = ["TornadoServer"]
