from adapters import LambdaHandler
from wsgi_app import app

handler = LambdaHandler(app)
