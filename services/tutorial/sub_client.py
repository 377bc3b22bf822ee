# sub_client.py: connects a SUB socket to each publisher in argv[1:]
# (default tcp://weather-pub-1:5556 tcp://weather-pub-2:5556), filters on zip 10001,
# prints 5 updates and their mean temperature.
import sys

import zmq

publishers = sys.argv[1:] or ["tcp://weather-pub-1:5556", "tcp://weather-pub-2:5556"]
zip_filter = "10001"

context = zmq.Context()
socket = context.socket(zmq.SUB)
for publisher in publishers:
    socket.connect(publisher)
socket.setsockopt_string(zmq.SUBSCRIBE, zip_filter)

total_temp = 0
updates = 5
for _ in range(updates):
    # Exactly two fields, as the tutorial unpacks them: anything else raises ValueError here.
    topic, messagedata = socket.recv_string().split()
    total_temp += int(messagedata)
    print(topic, messagedata)
print("Average temperature for zip '%s' was %.2fF" % (zip_filter, total_temp / updates))
