# consumer.py: PULLs work from argv[1] (default tcp://producer:5557) and PUSHes results
# {"consumer": id, "num": n} to argv[2] (default tcp://collector:5558), until stopped.
import random

import zmq

from args import args

producer, collector = args("tcp://producer:5557", "tcp://collector:5558")
consumer_id = random.randrange(1, 10005)
print("I am consumer #%s" % consumer_id)

context = zmq.Context()
receiver = context.socket(zmq.PULL)
receiver.connect(producer)
sender = context.socket(zmq.PUSH)
sender.connect(collector)

while True:
    work = receiver.recv_json()
    # The heavy task: the result is the number itself.
    sender.send_json({"consumer": consumer_id, "num": work["num"]})
