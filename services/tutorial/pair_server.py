# pair_server.py: binds a PAIR socket (argv[1], default tcp://*:5555).
# Sends "Server message to Client" and prints the answer, ROUNDS times (argv[2], default 10),
# INTERVAL seconds apart (argv[3], default 1).
import time

import zmq

from args import args

endpoint, rounds, interval = args("tcp://*:5555", 10, 1.0)

context = zmq.Context()
socket = context.socket(zmq.PAIR)
socket.bind(endpoint)

for _ in range(rounds):
    socket.send_string("Server message to Client")
    # One answer per message; the tutorial's client may send more, which wait for the next round.
    print(socket.recv_string())
    time.sleep(interval)
