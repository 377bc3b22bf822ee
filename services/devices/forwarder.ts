// forwarder: the zguide's forwarder device. Binds an XSUB on FORWARDER_PUBS_BIND (tcp://*:5576), which
// publishers connect to (PUB_BIND=connect:tcp://forwarder:5576), and an XPUB on FORWARDER_BIND
// (tcp://*:5573) for subscribers: each side needs only the forwarder's address. Subscriptions travel
// upstream and are counted; updates downstream.
import * as zmq from "zeromq";
import { endpoint, runDevice, watchPeers } from "../runtime/index.js";

const spec = {
  FORWARDER_BIND: endpoint({ default: "tcp://*:5573" }),
  FORWARDER_PUBS_BIND: endpoint({ default: "tcp://*:5576" }),
};

await runDevice("forwarder", spec, async (role) => {
  const { config, log } = role;
  const publishers = role.open(zmq.XSubscriber);
  const subscribers = role.open(zmq.XPublisher);
  watchPeers(publishers, log);
  await role.bind(publishers, config.FORWARDER_PUBS_BIND);
  await role.bind(subscribers, config.FORWARDER_BIND);
  role.ready();
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
