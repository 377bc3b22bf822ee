export { ConfigError, endpoint, endpoints, expected, integer, loadConfig, millis, oneOf, port, text, type Config, type Spec } from "./config.js";
export { curveKeyPair } from "./keys.js";
export { createLog, table, type Log } from "./log.js";
export { Exit, isTimeout, runRole, type Role } from "./lifecycle.js";
export { watchPeers, type Peers } from "./peers.js";
