# pub_server.py: binds a PUB socket (argv[1], default tcp://*:5556).
# Publishes "<zip> <temp>" for random zips 10000-10004 and temperatures -80..134 °F, RATE a second
# (argv[2], default 1) until stopped.
import random
import time

import zmq

from args import args

endpoint, rate = args("tcp://*:5556", 1.0)

context = zmq.Context()
socket = context.socket(zmq.PUB)
socket.bind(endpoint)

while True:
    zipcode = random.randrange(10000, 10005)
    temperature = random.randrange(1, 215) - 80
    socket.send_string("%d %d" % (zipcode, temperature))
    time.sleep(1 / rate)
