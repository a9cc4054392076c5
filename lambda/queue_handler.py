"""Lambda handler for the notes app's SQS queue: the Flask app's /events route imports
the notes sent to the queue, and answers which messages failed."""

from adapters import LambdaHandler
from notes.flask_app import app

handler = LambdaHandler(app, events_path="/events")
