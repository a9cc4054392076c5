from . import private_handler

ALB = private_handler("ALB")
