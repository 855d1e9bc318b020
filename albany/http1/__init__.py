"""Sans-IO HTTP/1.1: bytes in, events out; response messages in, bytes out.

Nothing here imports a loop, a socket or a clock; httptools (llhttp) is the parser.
"""

from albany.http1.errors import ProtocolError
from albany.http1.events import END_OF_MESSAGE, Data, EndOfMessage, Event, Request
from albany.http1.limits import Limits
from albany.http1.reader import RequestReader
from albany.http1.writer import ResponseWriter

__all__ = [
    "END_OF_MESSAGE",
    "Data",
    "EndOfMessage",
    "Event",
    "Limits",
    "ProtocolError",
    "Request",
    "RequestReader",
    "ResponseWriter",
]
