# collector.py: binds a PULL socket (argv[1], default tcp://*:5558).
# Reads RESULTS results (argv[2], default 100), each {"consumer": id, "num": n}, then prints each
# consumer's count and sum and the totals.

import zmq

from args import args

endpoint, results = args("tcp://*:5558", 100)

context = zmq.Context()
receiver = context.socket(zmq.PULL)
receiver.bind(endpoint)

counts = {}
sums = {}
for _ in range(results):
    result = receiver.recv_json()
    consumer = result["consumer"]
    counts[consumer] = counts.get(consumer, 0) + 1
    sums[consumer] = sums.get(consumer, 0) + result["num"]
for consumer in sorted(counts, key=str):
    print("consumer %s: %d results, sum %d" % (consumer, counts[consumer], sums[consumer]))
print("total: %d results, sum %d" % (sum(counts.values()), sum(sums.values())))
