# pair_client.py: connects a PAIR socket to argv[1] (default tcp://pair-server:5555).
# Prints each server message and answers it with two messages, ROUNDS times (argv[2], default 10).

import zmq

from args import args

endpoint, rounds = args("tcp://pair-server:5555", 10)

context = zmq.Context()
socket = context.socket(zmq.PAIR)
socket.connect(endpoint)

for _ in range(rounds):
    print(socket.recv_string())
    socket.send_string("Hello from Client")
    socket.send_string("This is a client message to server")
# Give the last answers time to leave before the process ends.
socket.close(linger=1000)
