# pipeline.py: the tutorial's pipeline written plainly in pyzmq, the bench's anchor for the lab's
# pipeline profile (same JSON on the wire: {"num": n} to consumers, {"consumer": id, "num": n} on).
#   pipeline.py producer <bind> <tasks>   PUSH: prints "batch start", sends the batch, stays up until SIGTERM
#   pipeline.py consumer <producer> <collector> [id]   PULL → PUSH, a print per task (id: hostname)
#   pipeline.py collector <bind> <tasks>  PULL: tallies per consumer, then RESULT
# The bench times the producer's "batch start" to the collector's RESULT by the daemon's clock.
import json
import signal
import socket as host
import sys

import zmq

role = sys.argv[1]
context = zmq.Context()

if role == "producer":
    endpoint, tasks = sys.argv[2], int(sys.argv[3])
    socket = context.socket(zmq.PUSH)
    socket.bind(endpoint)
    print("batch start: %d tasks, total %d" % (tasks, sum(range(tasks))), flush=True)
    for num in range(tasks):
        socket.send_json({"num": num})
    # Without term() Python may exit before libzmq has handed the last queued tasks to the kernel.
    socket.close(linger=-1)
    context.term()
    # Handed over is not delivered: a slow consumer leaves tasks in this container's TCP send
    # buffer, and when the container stops Docker removes its network namespace with them (the
    # consumer never even sees the connection close). So stay up until the bench stops the project.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("batch sent", flush=True)
    signal.pause()
elif role == "consumer":
    producer, collector = sys.argv[2], sys.argv[3]
    consumer_id = sys.argv[4] if len(sys.argv) > 4 else host.gethostname()
    receiver = context.socket(zmq.PULL)
    receiver.connect(producer)
    sender = context.socket(zmq.PUSH)
    sender.connect(collector)
    print("consumer %s ready" % consumer_id, flush=True)
    while True:
        work = receiver.recv_json()
        sender.send_json({"consumer": consumer_id, "num": work["num"]})
        print("task %d done" % work["num"], flush=True)
elif role == "collector":
    endpoint, tasks = sys.argv[2], int(sys.argv[3])
    receiver = context.socket(zmq.PULL)
    receiver.bind(endpoint)
    counts, sums = {}, {}
    for _ in range(tasks):
        result = receiver.recv_json()
        consumer = result["consumer"]
        counts[consumer] = counts.get(consumer, 0) + 1
        sums[consumer] = sums.get(consumer, 0) + result["num"]
    total, count = sum(sums.values()), sum(counts.values())
    print("RESULT " + json.dumps({"kind": "pipeline", "results": count, "total": total, "consumers": counts}), flush=True)
else:
    sys.exit("pipeline.py: unknown role %s" % role)
