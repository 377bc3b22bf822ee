# pair_server.py: binds a PAIR socket (argv[1], default tcp://*:5555).
# Sends "Server message to Client" and prints the answer, ROUNDS times (argv[2], default 10), a second apart.
import sys
import time

import zmq

endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://*:5555"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
interval = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0

context = zmq.Context()
socket = context.socket(zmq.PAIR)
socket.bind(endpoint)

for _ in range(rounds):
    socket.send_string("Server message to Client")
    # One answer per message; the tutorial's client may send more, which wait for the next round.
    print(socket.recv_string())
    time.sleep(interval)
