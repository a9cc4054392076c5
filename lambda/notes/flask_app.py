"""The notes app as a WSGI app (Flask)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    flash,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from adapters.triggers import event_from

from .shared import (
    ICON,
    TEMPLATES,
    TickRequest,
    diagnostics_enabled,
    export_line,
    import_notes,
    session_secret,
    store,
)
from .store import InvalidNote

app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=None)
app.secret_key = session_secret()


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    html = render_template(
        template, url=url_for, flashes=get_flashed_messages(), framework="Flask", **context
    )
    return html, status


@app.get("/")
def index() -> Any:
    return page("index.html", notes=store().list())


@app.post("/notes")
def create() -> Any:
    title, body = request.form.get("title", ""), request.form.get("body", "")
    try:
        note = store().add(title, body)
    except InvalidNote as error:
        return page(
            "index.html", 400, notes=store().list(), error=str(error), title=title, body=body
        )
    flash(f"Saved “{note['title']}”.")
    return redirect(url_for("index"), 303)


@app.get("/notes/<note_id>")
def note(note_id: str) -> Any:
    found = store().get(note_id)
    if found is None:
        return page("not_found.html", 404)
    return page("note.html", note=found)


@app.get("/notes/<note_id>/download")
def download(note_id: str) -> Any:
    found = store().get(note_id) or abort(404)
    text = f"{found['title']}\n\n{found['body']}\n"
    return Response(
        text,
        content_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="note-{note_id}.txt"'},
    )


@app.post("/notes/<note_id>/delete")
def delete(note_id: str) -> Any:
    flash("Deleted." if store().delete(note_id) else "That note was already gone.")
    return redirect(url_for("index"), 303)


@app.get("/icon.png")
def icon() -> Any:
    return Response(ICON, content_type="image/png", headers={"Cache-Control": "max-age=86400"})


@app.get("/api/health")
def health() -> Any:
    return {"status": "ok", "store": type(store()).__name__, "framework": "flask"}


@app.get("/api/notes")
def api_list() -> Any:
    return {"notes": store().list()}


@app.post("/api/notes")
def api_create() -> Any:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return {"error": "send a JSON object with a title"}, 400
    try:
        note = store().add(str(data.get("title", "")), str(data.get("body", "")))
    except InvalidNote as error:
        return {"error": str(error)}, 400
    return jsonify(note), 201


@app.get("/api/notes/export")
def api_export() -> Any:
    """Every note, one JSON document per line, sent as it is read (streamed on Lambda
    behind a streaming Function URL or REST API, and by `adapters serve`)."""
    notes = store().list()
    return Response(
        stream_with_context(export_line(note) for note in notes),
        content_type="application/x-ndjson",
    )


@app.get("/api/ticks")
def api_ticks() -> Any:
    """Server-Sent Events: `curl -N .../api/ticks?count=3&interval=1` shows them arrive."""
    try:
        ticks = TickRequest(request.args.get("count"), request.args.get("interval"))
    except ValueError as error:
        return {"error": str(error)}, 400

    def events() -> Iterator[str]:
        for number in range(ticks.count):
            if number:
                time.sleep(ticks.interval)
            yield ticks.event(number)

    return Response(
        stream_with_context(events()),
        content_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )


@app.get("/api/notes/<note_id>")
def api_get(note_id: str) -> Any:
    found = store().get(note_id)
    return found if found is not None else ({"error": "not found"}, 404)


@app.delete("/api/notes/<note_id>")
def api_delete(note_id: str) -> Any:
    return ("", 204) if store().delete(note_id) else ({"error": "not found"}, 404)


@app.post("/events")
def events() -> Any:
    """Non-HTTP events (the SQS queue's batches), which queue_handler.py posts here.

    The route is public like any other, so it acts only on a request the adapter made
    from an event: a client's POST to /events carries an HTTP event, and gets a 404.
    """
    event = event_from(request.environ)
    if event is None:
        abort(404)
    return import_notes(event)


if diagnostics_enabled():

    @app.get("/api/diagnostics/crash")
    def crash() -> Any:
        raise RuntimeError("deliberate crash (NOTES_DIAGNOSTICS=1)")
