// forwarder: the zguide's forwarder device. Connects an XSUB to each publisher in FORWARDER_PUBS_CONNECT
// (tcp://weather-pub-1:5556, ...) and binds an XPUB on FORWARDER_BIND (tcp://*:5573): subscribers
// need only the forwarder's address. Subscriptions travel upstream and are counted; updates downstream.
import * as zmq from "zeromq";
import { endpoint, endpoints } from "../runtime/index.js";
import { runDevice } from "./relay.js";

const spec = {
  FORWARDER_BIND: endpoint({ default: "tcp://*:5573" }),
  FORWARDER_PUBS_CONNECT: endpoints({ default: ["tcp://weather-pub-1:5556", "tcp://weather-pub-2:5556"] }),
};

await runDevice("forwarder", spec, async (role) => {
  const { config, log } = role;
  const publishers = role.open(zmq.XSubscriber);
  const subscribers = role.open(zmq.XPublisher);
  for (const pub of config.FORWARDER_PUBS_CONNECT) role.connect(publishers, pub);
  await role.bind(subscribers, config.FORWARDER_BIND);
  role.ready(`${config.FORWARDER_PUBS_CONNECT.length} publisher(s)`);
  let subscriptions = 0;
  // A subscription message is one frame: 1 (subscribe) or 0 (unsubscribe), then the topic.
  const count = ([frame]: Buffer[]) => {
    if (frame?.[0] !== 1 && frame?.[0] !== 0) return;
    if (frame[0] === 1) subscriptions++;
    log.info(`${frame[0] === 1 ? "subscribe" : "unsubscribe"} "${frame.subarray(1).toString("utf8")}" (${subscriptions} subscriptions so far)`);
  };
  return [
    { name: "updates", from: publishers, to: subscribers },
    { name: "subscriptions", from: subscribers, to: publishers, inspect: count },
  ];
});
