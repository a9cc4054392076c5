"""The Flask notes app (lambda/notes) wrapped by apig-wsgi, as its users write it."""

from apig_wsgi import make_lambda_handler

from notes.flask_app import app

handler = make_lambda_handler(app, binary_support=True)
