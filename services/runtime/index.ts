export { ConfigError, endpoint, endpoints, integer, loadConfig, millis, port, text, type Config, type Spec } from "./config.js";
export { createLog, table, type Log } from "./log.js";
export { Exit, isTimeout, runRole, type Role } from "./lifecycle.js";
export { countReplicas, trackPeers, waitForPeers, type PeerCount, type PeerWait, type PeerWaitOptions } from "./discovery.js";
export { oneOf } from "./validators.js";
