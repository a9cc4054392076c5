"""Lambda handler for the FastAPI (ASGI) notes app."""

from adapters import LambdaHandler
from notes.fastapi_app import app

handler = LambdaHandler(app)
