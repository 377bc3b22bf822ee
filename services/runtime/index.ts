export { ConfigError, endpoint, endpoints, expected, integer, loadConfig, millis, oneOf, port, text, type Config, type Spec } from "./config.js";
export { curveKeyPair } from "./keys.js";
export { createLog, table, type Log } from "./log.js";
export { Exit, isTimeout, runRole, type Role } from "./lifecycle.js";
export { countReplicas, trackPeers, waitForPeers, type PeerCount, type PeerWait, type PeerWaitOptions } from "./discovery.js";
export { watchPeers, type Peers } from "./peers.js";
