"""The example app as an ASGI (FastAPI) app. Issue #3 grows it into the full example."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/", response_class=HTMLResponse)
async def index(request: Request) -> str:
    link = request.url_for("hello").include_query_params(name="Lambda")
    return f'<h1>Hello from FastAPI</h1><a href="{link}">say hello</a>'


@app.get("/api/hello")
async def hello(name: str = "world") -> dict[str, str]:
    return {"message": f"Hello, {name}!", "via": "fastapi"}
