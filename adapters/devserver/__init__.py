"""`adapters serve`: the HTTP front doors of a SAM template, served locally without Docker.

template.py reads the functions and their HTTP events; routing.py matches requests the
way API Gateway does; gateway.py turns a request into the event its route sends and the
function's result back into a response; functions.py runs each function in a worker
process of its own (or the real runtime emulator); server.py ties them to sockets.
"""
