"""Lambda handler for the Flask (WSGI) notes app."""

from adapters import LambdaHandler
from notes.flask_app import app

handler = LambdaHandler(app)
