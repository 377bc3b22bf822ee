# producer.py: binds a PUSH socket (argv[1], default tcp://*:5557).
# Sends TASKS work messages {"num": n} for n = 0 .. TASKS-1 (argv[2], default 100), then waits
# for them to leave and prints what it sent.

import zmq

from args import args

endpoint, tasks = args("tcp://*:5557", 100)

context = zmq.Context()
socket = context.socket(zmq.PUSH)
socket.bind(endpoint)

# PUSH waits while no consumer is connected: start consumers and the collector first.
for num in range(tasks):
    socket.send_json({"num": num})
socket.close(linger=-1)
print("sent %d tasks, total %d" % (tasks, sum(range(tasks))))
