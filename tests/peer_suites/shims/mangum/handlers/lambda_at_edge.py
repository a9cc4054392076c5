from . import private_handler

LambdaAtEdge = private_handler("LambdaAtEdge")
