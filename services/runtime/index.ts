export { ConfigError, endpoint, endpoints, expected, integer, loadConfig, millis, oneOf, port, tcpAddress, text, timeout, type Config, type Spec } from "./config.js";
export { curveKeyPair } from "./keys.js";
export { createLog, plural, table, type Log } from "./log.js";
export { Exit, runRole, type Role } from "./lifecycle.js";
export { countReplicas, waitForPeers, type PeerWait, type PeerWaitOptions } from "./discovery.js";
export { watchPeers, type Peers } from "./peers.js";
export { Batcher, DEFAULT_BATCH, type BatchLimits } from "./batch.js";
export { preview, textOf } from "./frames.js";
export { watchLink, type Link, type LinkState } from "./link.js";
