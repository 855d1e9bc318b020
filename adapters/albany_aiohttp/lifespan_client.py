"""Driving an ASGI app's lifespan from the outside: what a server does, for the mount.

``auto`` mode, as Albany's: an app that fails or returns before answering
``lifespan.startup`` is taken not to speak lifespan, and is served without it;
``lifespan.startup.failed`` stops start-up with the app's message.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from albany.spec import ASGI_VERSIONS
from albany.types import App, Message

logger = logging.getLogger("albany.error")


class LifespanStartupFailed(RuntimeError):
    """The app answered ``lifespan.startup.failed``."""


class LifespanClient:
    """Runs one app's lifespan scope as a task; ``state`` is what start-up stored.

    ``extensions`` makes the scope's extensions on the serving loop, as the app's HTTP
    scopes get them (a neutral app's ``albany`` helpers).
    """

    def __init__(
        self, app: App, state: dict[str, Any], extensions: Callable[[], dict[str, Any]]
    ) -> None:
        self.app = app
        self.state = state
        self._extensions = extensions
        self._inbox: asyncio.Queue[Message] | None = None
        self._answer: asyncio.Future[Message] | None = None
        self._task: asyncio.Task[None] | None = None
        self._supported = True

    async def startup(self) -> None:
        """Send ``lifespan.startup`` and wait for the answer."""
        loop = asyncio.get_running_loop()
        self._inbox = asyncio.Queue()
        self._answer = loop.create_future()
        scope = {
            "type": "lifespan",
            "asgi": ASGI_VERSIONS,
            "state": self.state,
            "extensions": self._extensions(),
        }
        self._task = loop.create_task(self._run(scope))
        answer = await self._ask({"type": "lifespan.startup"})
        if answer["type"] == "lifespan.startup.failed":
            raise LifespanStartupFailed(answer.get("message") or "Lifespan startup failed")

    async def shutdown(self) -> None:
        """Send ``lifespan.shutdown`` and wait for the app to answer or finish."""
        if not self._supported or self._task is None or self._task.done():
            return
        answer = await self._ask({"type": "lifespan.shutdown"})
        if answer["type"] == "lifespan.shutdown.failed":
            logger.error("Lifespan shutdown failed: %s", answer.get("message", ""))

    async def _ask(self, message: Message) -> Message:
        assert self._inbox is not None
        self._answer = asyncio.get_running_loop().create_future()
        await self._inbox.put(message)
        return await self._answer

    async def _receive(self) -> Message:
        assert self._inbox is not None
        return await self._inbox.get()

    async def _send(self, message: Message) -> None:
        answer = self._answer
        if answer is not None and not answer.done():
            answer.set_result(message)

    async def _run(self, scope: dict[str, Any]) -> None:
        try:
            await self.app(scope, self._receive, self._send)
        except Exception as error:
            self._stopped(error)
        else:
            self._stopped(None)

    def _stopped(self, error: BaseException | None) -> None:
        answer = self._answer
        if answer is None or answer.done():
            if error is not None:
                logger.error("Exception in 'lifespan' protocol", exc_info=error)
            return
        self._supported = False
        if error is not None:
            logger.info("ASGI 'lifespan' protocol appears unsupported.")
        answer.set_result({"type": "lifespan.startup.complete"})
