from adapters import LambdaHandler
from asgi_app import app

handler = LambdaHandler(app)
