"""Calling ASGI ``send`` from Tornado's synchronous write methods, in order, with back-pressure.

Tornado's ``HTTPConnection.write`` returns a future at once; ASGI's ``send`` returns an
awaitable that must be awaited before the next ``send``. ``OrderedSender`` runs each
``send`` to its first wait right away (Albany's completes there unless the transport
is full), and only when one has to wait does it finish it in a task and queue the
messages behind it. Each message's future resolves on the loop's next turn after its
``send`` completes.
"""

from __future__ import annotations

import asyncio
from collections import deque

from albany.gateway.eager import resume
from albany.types import Message, Send

Future = asyncio.Future


class SendFailed(OSError):
    """``send`` raised ``OSError`` (``albany.ClientDisconnected``): the client has gone."""


class OrderedSender:
    """One response's ``send``, callable from synchronous code, messages kept in order."""

    __slots__ = ("_send", "_loop", "_waiting", "_queue", "gone", "finished")

    def __init__(self, send: Send, loop: asyncio.AbstractEventLoop) -> None:
        self._send = send
        self._loop = loop
        self._waiting: asyncio.Task[None] | None = None
        self._queue: deque[tuple[Message, Future[None] | None]] = deque()
        self.gone = False
        """True once ``send`` raised ``OSError``: every later message fails at once."""
        self.finished = False
        """True once the message that ends the body (``more_body`` false) has been sent."""

    @property
    def idle(self) -> bool:
        return self._waiting is None

    def submit(self, message: Message, future: Future[None] | None = None) -> None:
        """Send ``message`` now or after those before it; complete ``future`` when sent.

        A message sent at once raises its errors here (``SendFailed`` when the client
        has gone); a queued one sets them on ``future``.
        """
        if self._waiting is not None:
            self._queue.append((message, future))
            return
        self._send_now(message, future)

    async def drained(self) -> None:
        """Wait until every submitted message has been sent (or has failed)."""
        while self._waiting is not None:
            await asyncio.wait((self._waiting,))

    def _send_now(self, message: Message, future: Future[None] | None) -> None:
        if self.gone:
            raise SendFailed("The client has disconnected")
        try:
            steps = self._send(message).__await__()
            yielded = next(steps)
        except StopIteration:
            self._sent(message, future)
            return
        except OSError as error:
            self.gone = True
            raise SendFailed(*error.args) from error
        task = self._loop.create_task(resume(steps, yielded))
        self._waiting = task
        task.add_done_callback(lambda done: self._resumed(done, message, future))

    def _sent(self, message: Message, future: Future[None] | None) -> None:
        if not message.get("more_body", True):
            self.finished = True
        if future is not None:
            # resolved on the next turn of the loop, as Tornado's own write futures are:
            # a handler looping on ``await self.flush()`` yields, so other connections
            # run and a client that went away is noticed
            self._loop.call_soon(_resolve, future)

    def _resumed(
        self, task: asyncio.Task[None], message: Message, future: Future[None] | None
    ) -> None:
        self._waiting = None
        error = None if task.cancelled() else task.exception()
        if error is None:
            self._sent(message, future)
        else:
            if isinstance(error, OSError):
                self.gone = True
                error = SendFailed(*error.args)
            _fail(future, error)
        while self._queue and self._waiting is None:
            message, future = self._queue.popleft()
            try:
                self._send_now(message, future)
            except Exception as error:  # noqa: BLE001 - the message's future carries it
                _fail(future, error)


def _resolve(future: Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _fail(future: Future[None] | None, error: BaseException) -> None:
    if future is not None and not future.done():
        future.set_exception(error)
        future.exception()  # retrieved: a handler may never await a write future


def failed(loop: asyncio.AbstractEventLoop, error: BaseException) -> Future[None]:
    future: Future[None] = loop.create_future()
    _fail(future, error)
    return future
