"""The example notes app: one storage layer and one set of templates, served both as a
WSGI app (Flask, `notes.flask_app`) and as an ASGI app (FastAPI, `notes.fastapi_app`)."""
