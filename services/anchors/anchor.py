# anchor.py: pyzmq's speed on the lab's network, the bench's Python anchor; the same roles,
# arguments and RESULT lines as anchor.c, written as plain pyzmq (one send or recv per message).
import json
import sys
import time

import zmq

role, endpoint = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 0
size = int(sys.argv[4]) if len(sys.argv) > 4 else 64
versions = {"impl": "pyzmq", "pyzmq": zmq.__version__, "libzmq": zmq.zmq_version()}
context = zmq.Context()
payload = b"\0" * size


def result(kind, **fields):
    print("RESULT " + json.dumps({"kind": kind, **versions, **fields}), flush=True)


if role == "sink":
    socket = context.socket(zmq.PULL)
    socket.bind(endpoint)
    socket.recv()
    start = time.perf_counter()
    for _ in range(count - 1):
        socket.recv()
    result("throughput", size=size, messages=count - 1, seconds=time.perf_counter() - start)
elif role == "source":
    socket = context.socket(zmq.PUSH)
    socket.connect(endpoint)
    for _ in range(count):
        socket.send(payload)
    # Without term() Python may exit before libzmq has sent the last queued messages.
    socket.close(linger=-1)
    context.term()
elif role == "echo":
    socket = context.socket(zmq.REP)
    socket.bind(endpoint)
    while True:
        socket.send(socket.recv())
elif role == "ping":
    socket = context.socket(zmq.REQ)
    socket.connect(endpoint)
    rtt = []
    for i in range(count + count // 10 + 1):
        t = time.perf_counter()
        socket.send(payload)
        socket.recv()
        rtt.append((time.perf_counter() - t) * 1e6)
    rtt = sorted(rtt[count // 10 + 1 :])
    result("latency", rounds=count, p50=round(rtt[(count - 1) // 2], 1), p99=round(rtt[int((count - 1) * 0.99)], 1),
           max=round(rtt[-1], 1), mean=round(sum(rtt) / count, 1))
else:
    sys.exit("anchor.py: unknown role %s" % role)
