"""The example app as a WSGI (Flask) app. Issue #3 grows it into the full example."""

from __future__ import annotations

from flask import Flask, request, url_for

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return f'<h1>Hello from Flask</h1><a href="{url_for("hello", name="Lambda")}">say hello</a>'


@app.get("/api/hello")
def hello() -> dict[str, str]:
    return {"message": f"Hello, {request.args.get('name', 'world')}!", "via": "flask"}
