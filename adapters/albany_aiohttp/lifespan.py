"""The ASGI lifespan protocol as an aiohttp application's start-up and clean-up signals.

Start-up runs ``on_startup`` (``cleanup_ctx`` entries enter there, sub-apps' signals
too) before the application is frozen, as ``AppRunner.setup`` does: a start-up hook
may still store ``app[key]``. Shutdown runs ``on_shutdown`` then
``on_cleanup`` (``cleanup_ctx`` exits). Unlike aiohttp's runner, ``on_shutdown``
comes after the server has closed its connections: ASGI says shutdown only then.
A failed start-up still runs the clean-up of what had started, as ``run_app`` does.
"""

from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING

from albany.types import Receive, Send

if TYPE_CHECKING:
    from albany_aiohttp.application import AiohttpApp

logger = logging.getLogger("albany.error")


def _describe(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip()


async def run_lifespan(app: AiohttpApp, receive: Receive, send: Send) -> None:
    """Answer ``lifespan.startup`` and ``lifespan.shutdown`` for ``app``."""
    message = await receive()
    if message["type"] != "lifespan.startup":
        return
    try:
        application = await app.application_for_startup()
    except Exception as error:
        await send({"type": "lifespan.startup.failed", "message": _describe(error)})
        return
    try:
        await application.startup()
        await app.server()  # freezes the application, once start-up has filled it
    except Exception as error:
        try:
            application.freeze()  # its clean-up signals are sent frozen, as always
            await application.cleanup()
        except Exception:
            logger.exception("aiohttp on_cleanup failed after a failed start-up")
        await send({"type": "lifespan.startup.failed", "message": _describe(error)})
        return
    await send({"type": "lifespan.startup.complete"})

    message = await receive()
    if message["type"] != "lifespan.shutdown":
        return
    try:
        await application.shutdown()
        await application.cleanup()
    except Exception as error:
        logger.exception("aiohttp application shutdown failed")
        await send({"type": "lifespan.shutdown.failed", "message": _describe(error)})
        return
    await send({"type": "lifespan.shutdown.complete"})
