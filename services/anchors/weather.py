# weather.py: the tutorial's weather feed at full speed, the bench's PUB/SUB anchor in plain pyzmq.
#   python3 weather.py pub <bind> <zips>             PUB: the tutorial's publisher without its sleep,
#                                                    "<zip> <temp>" for random zips 10000..10000+zips-1
#                                                    until SIGTERM, then RESULT with what it sent
#   python3 weather.py sub <connect> <zip> <updates> SUB: the tutorial's subscriber, filtered on <zip>,
#                                                    times <updates> updates from the first to the last
import json
import random
import signal
import sys
import time

import zmq

role, endpoint = sys.argv[1], sys.argv[2]
versions = {"impl": "pyzmq", "pyzmq": zmq.__version__, "libzmq": zmq.zmq_version()}
context = zmq.Context()


def result(kind, **fields):
    print("RESULT " + json.dumps({"kind": kind, **versions, **fields}), flush=True)


def stop(*_):
    raise SystemExit(0)


if role == "pub":
    zips = int(sys.argv[3])
    socket = context.socket(zmq.PUB)
    socket.bind(endpoint)
    signal.signal(signal.SIGTERM, stop)
    sent = 0
    start = time.perf_counter()
    try:
        while True:
            zipcode = random.randrange(10000, 10000 + zips)
            temperature = random.randrange(1, 215) - 80
            socket.send_string("%d %d" % (zipcode, temperature))
            sent += 1
    finally:
        result("publisher", sent=sent, seconds=time.perf_counter() - start)
elif role == "sub":
    zip_filter, updates = sys.argv[3], int(sys.argv[4])
    socket = context.socket(zmq.SUB)
    socket.connect(endpoint)
    socket.setsockopt_string(zmq.SUBSCRIBE, zip_filter)
    total_temp = 0
    # The clock starts at the first update: the time to connect and subscribe is not the feed's rate.
    topic, messagedata = socket.recv_string().split()
    total_temp += int(messagedata)
    print(topic, messagedata)
    start = time.perf_counter()
    for _ in range(updates - 1):
        topic, messagedata = socket.recv_string().split()
        total_temp += int(messagedata)
        print(topic, messagedata)
    result("pubsub", updates=updates - 1, seconds=time.perf_counter() - start, mean=round(total_temp / updates, 2))
else:
    sys.exit("weather.py: unknown role %s" % role)
