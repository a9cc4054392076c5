from wsgi_app import app

from adapters import LambdaHandler

handler = LambdaHandler(app)
