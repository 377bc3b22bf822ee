# reqrep_client.py: connects a REQ socket to argv[1] (default tcp://rep-server:5555).
# Sends "Hello" and prints the reply, REQUESTS times (argv[2], default 10). Like the tutorial's
# client it waits for each reply as long as it takes.

import zmq

from args import args

endpoint, requests = args("tcp://rep-server:5555", 10)

context = zmq.Context()
socket = context.socket(zmq.REQ)
socket.connect(endpoint)

for request in range(1, requests + 1):
    socket.send_string("Hello")
    print("Received reply", request, "[", socket.recv_string(), "]")
