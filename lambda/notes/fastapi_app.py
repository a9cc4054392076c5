"""The notes app as an ASGI app (FastAPI), with the same pages, API and store."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    StreamingResponse,
)
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from .shared import (
    ICON,
    TEMPLATES,
    TickRequest,
    diagnostics_enabled,
    export_line,
    logger,
    session_secret,
    store,
)
from .store import InvalidNote

templates = Jinja2Templates(directory=str(TEMPLATES))


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    """Runs once per container: open the store here, not per request."""
    logger.info("notes app starting")
    yield {"store": store()}
    logger.info("notes app stopping")


app = FastAPI(title="Notes", lifespan=lifespan)
app.add_middleware(SessionMiddleware, secret_key=session_secret(), https_only=False)


class NewNote(BaseModel):
    title: str
    body: str = ""


def flash(request: Request, message: str) -> None:
    request.session.setdefault("flashes", []).append(message)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    def url(name: str, **params: Any) -> str:
        return request.url_for(name, **params).path

    flashes = request.session.pop("flashes", [])
    return templates.TemplateResponse(
        request,
        template,
        {"url": url, "flashes": flashes, "framework": "FastAPI", **context},
        status_code=status,
    )


@app.get("/", response_class=HTMLResponse, name="index")
async def index(request: Request) -> Response:
    return page(request, "index.html", notes=request.state.store.list())


@app.post("/notes", name="create")
async def create(request: Request, title: str = Form(""), body: str = Form("")) -> Response:
    notes = request.state.store
    try:
        note = notes.add(title, body)
    except InvalidNote as error:
        return page(
            request, "index.html", 400, notes=notes.list(), error=str(error), title=title, body=body
        )
    flash(request, f"Saved “{note['title']}”.")
    return RedirectResponse(request.url_for("index").path, 303)


@app.get("/notes/{note_id}", name="note")
async def note(request: Request, note_id: str) -> Response:
    found = request.state.store.get(note_id)
    if found is None:
        return page(request, "not_found.html", 404)
    return page(request, "note.html", note=found)


@app.get("/notes/{note_id}/download", name="download")
async def download(request: Request, note_id: str) -> Response:
    found = request.state.store.get(note_id)
    if found is None:
        return PlainTextResponse("not found", 404)
    return PlainTextResponse(
        f"{found['title']}\n\n{found['body']}\n",
        headers={"Content-Disposition": f'attachment; filename="note-{note_id}.txt"'},
    )


@app.post("/notes/{note_id}/delete", name="delete")
async def delete(request: Request, note_id: str) -> Response:
    deleted = request.state.store.delete(note_id)
    flash(request, "Deleted." if deleted else "That note was already gone.")
    return RedirectResponse(request.url_for("index").path, 303)


@app.get("/icon.png", name="icon")
async def icon() -> Response:
    return Response(ICON, media_type="image/png", headers={"Cache-Control": "max-age=86400"})


@app.get("/api/health")
async def health(request: Request) -> dict[str, str]:
    return {"status": "ok", "store": type(request.state.store).__name__, "framework": "fastapi"}


@app.get("/api/notes")
async def api_list(request: Request) -> Any:
    return {"notes": request.state.store.list()}


@app.post("/api/notes", status_code=201)
async def api_create(request: Request, new: NewNote) -> Any:
    try:
        return request.state.store.add(new.title, new.body)
    except InvalidNote as error:
        return JSONResponse({"error": str(error)}, 400)


@app.get("/api/notes/export")
async def api_export(request: Request) -> Response:
    """Every note, one JSON document per line, sent as it is read (streamed on Lambda
    behind a streaming Function URL or REST API, and by `adapters serve`)."""
    notes = request.state.store.list()

    async def lines() -> AsyncIterator[str]:
        for note in notes:
            yield export_line(note)

    return StreamingResponse(lines(), media_type="application/x-ndjson")


@app.get("/api/ticks")
async def api_ticks(count: str | None = None, interval: str | None = None) -> Response:
    """Server-Sent Events: `curl -N .../api/ticks?count=3&interval=1` shows them arrive."""
    try:
        ticks = TickRequest(count, interval)
    except ValueError as error:
        return JSONResponse({"error": str(error)}, 400)

    async def events() -> AsyncIterator[str]:
        for number in range(ticks.count):
            if number:
                await asyncio.sleep(ticks.interval)
            yield ticks.event(number)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


@app.get("/api/notes/{note_id}")
async def api_get(request: Request, note_id: str) -> Any:
    found = request.state.store.get(note_id)
    return found if found is not None else JSONResponse({"error": "not found"}, 404)


@app.delete("/api/notes/{note_id}", status_code=204)
async def api_delete(request: Request, note_id: str) -> Response:
    if request.state.store.delete(note_id):
        return Response(status_code=204)
    return JSONResponse({"error": "not found"}, 404)


if diagnostics_enabled():

    @app.get("/api/diagnostics/crash")
    async def crash() -> None:
        raise RuntimeError("deliberate crash (NOTES_DIAGNOSTICS=1)")
