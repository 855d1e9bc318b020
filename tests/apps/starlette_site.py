"""Starlette and FastAPI apps for the framework tests: routing, JSON, streaming, uploads,
lifespan with state, background tasks and client disconnects."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncIterator

from fastapi import BackgroundTasks, FastAPI, File, Form, UploadFile
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Route

EVENTS: list[str] = []


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
    EVENTS.append("startup")
    yield {"greeting": "hello from lifespan"}
    EVENTS.append("shutdown")


async def home(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"Starlette at {request.url.path}")


async def greeting(request: Request) -> JSONResponse:
    return JSONResponse({"greeting": request.state.greeting})


async def item(request: Request) -> JSONResponse:
    return JSONResponse(
        {"id": int(request.path_params["item_id"]), "q": request.query_params.get("q")}
    )


async def echo_json(request: Request) -> JSONResponse:
    return JSONResponse({"received": await request.json()})


async def upload(request: Request) -> JSONResponse:
    form = await request.form()
    file = form["file"]
    assert not isinstance(file, str)
    data = await file.read()
    return JSONResponse({"name": file.filename, "size": len(data), "field": form.get("field")})


async def stream(request: Request) -> StreamingResponse:
    async def numbers() -> AsyncIterator[bytes]:
        for i in range(5):
            yield f"{i}\n".encode()
            await asyncio.sleep(0.01)

    return StreamingResponse(numbers(), media_type="text/plain")


async def background(request: Request) -> PlainTextResponse:
    tag = request.query_params["tag"]

    async def after() -> None:
        await asyncio.sleep(0.05)
        EVENTS.append(f"background {tag}")

    return PlainTextResponse("scheduled", background=BackgroundTask(after))


async def until_disconnect(request: Request) -> StreamingResponse:
    tag = request.query_params["tag"]

    async def forever() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"tick\n"
                await asyncio.sleep(0.05)
        finally:
            EVENTS.append(f"stream ended {tag}")

    return StreamingResponse(forever(), media_type="text/plain")


async def events(request: Request) -> JSONResponse:
    return JSONResponse(EVENTS)


starlette_app = Starlette(
    routes=[
        Route("/", home),
        Route("/greeting", greeting),
        Route("/items/{item_id:int}", item),
        Route("/json", echo_json, methods=["POST"]),
        Route("/upload", upload, methods=["POST"]),
        Route("/stream", stream),
        Route("/background", background),
        Route("/forever", until_disconnect),
        Route("/events", events),
    ],
    lifespan=lifespan,
)

fastapi_app = FastAPI(lifespan=lifespan)


@fastapi_app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> dict[str, Any]:
    return {"id": item_id, "q": q}


@fastapi_app.get("/sync")
def sync_endpoint() -> dict[str, str]:
    return {"ran": "in a worker thread"}


@fastapi_app.post("/upload")
async def fastapi_upload(file: UploadFile = File(...), field: str = Form(...)) -> dict[str, Any]:
    return {"name": file.filename, "size": len(await file.read()), "field": field}


@fastapi_app.get("/background")
async def fastapi_background(tag: str, tasks: BackgroundTasks) -> dict[str, str]:
    tasks.add_task(EVENTS.append, f"background {tag}")
    return {"status": "scheduled"}


@fastapi_app.get("/greeting")
async def fastapi_greeting(request: Request) -> dict[str, str]:
    return {"greeting": request.state.greeting}


@fastapi_app.get("/events")
async def fastapi_events() -> list[str]:
    return EVENTS
