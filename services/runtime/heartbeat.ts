// Liveness on every socket: ZMTP heartbeats (PING/PONG inside the connection) and TCP keepalive,
// so a peer that vanished without a FIN (a cut cable, a paused container) is found in seconds.
// HEARTBEAT_MS is the one heartbeat interval of the lab: a peer silent for 3 of them is dead.
import { makeValidator } from "envalid";
import { expected } from "./config.js";

/** Missed heartbeats before a peer counts as dead, here and in the broker's own heartbeats. */
export const HEARTBEAT_MISSES = 3;

export const heartbeatSpec = {
  HEARTBEAT_MS: makeValidator<number>((raw) => {
    const n = Number(raw);
    return /^\d+$/.test(raw) && (n === 0 || (n >= 50 && n <= 60_000)) ? n : expected("0 (off) or an integer from 50 to 60000", raw);
  })({ default: 1000 }),
};

/** Socket options for an interval of `ms` (0: libzmq's defaults, no heartbeats, the OS's keepalive). */
export function heartbeatOptions(ms: number) {
  if (ms === 0) return {};
  const deadMs = HEARTBEAT_MISSES * ms;
  // Keepalive counts in whole seconds; it backs the heartbeats for a peer that sends nothing at all.
  const keepaliveS = Math.max(1, Math.ceil(ms / 1000));
  return {
    heartbeatInterval: ms,
    // A PING goes out every interval and its answer may take 2 more: a silent peer is dropped at
    // most deadMs after the last thing it sent. The peer is asked to drop us after deadMs too.
    heartbeatTimeout: deadMs - ms,
    heartbeatTimeToLive: deadMs,
    // A reconnect into a partition gives up after deadMs and tries again, so it resumes soon after the heal.
    connectTimeout: deadMs,
    tcpKeepalive: 1,
    tcpKeepaliveIdle: keepaliveS,
    tcpKeepaliveInterval: keepaliveS,
    tcpKeepaliveCount: HEARTBEAT_MISSES,
  };
}
