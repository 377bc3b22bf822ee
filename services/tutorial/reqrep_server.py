# reqrep_server.py: binds a REP socket (argv[1], default tcp://*:5555).
# Prints each request and answers "World from server", REQUESTS times (argv[2], default 10).

import zmq

from args import args

endpoint, requests = args("tcp://*:5555", 10)

context = zmq.Context()
socket = context.socket(zmq.REP)
socket.bind(endpoint)

for _ in range(requests):
    print("Received request:", socket.recv_string())
    socket.send_string("World from server")
socket.close(linger=1000)
