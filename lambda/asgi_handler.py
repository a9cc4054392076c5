from asgi_app import app

from adapters import LambdaHandler

handler = LambdaHandler(app)
