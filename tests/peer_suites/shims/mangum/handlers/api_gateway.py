from . import private_handler

APIGateway = private_handler("APIGateway")
HTTPGateway = private_handler("HTTPGateway")
