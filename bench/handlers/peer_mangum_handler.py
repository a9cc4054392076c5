"""The FastAPI notes app (lambda/notes) wrapped by Mangum, as its users write it."""

from mangum import Mangum

from notes.fastapi_app import app

handler = Mangum(app)
