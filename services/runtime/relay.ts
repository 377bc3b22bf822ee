// A device (zguide's queue, forwarder, streamer): relay every message between two sockets, count
// it, and log the counts while traffic flows and when the device stops. zeromq.js's Proxy would do the relaying,
// but it has no capture socket and so could not count; this loop is zmq_proxy written out.
import type * as zmq from "zeromq";
import type { Config, Spec } from "./config.js";
import { runRole, type Role } from "./lifecycle.js";

export interface Hop {
  /** Names the direction in the counts, e.g. "clients → servers". */
  name: string;
  from: zmq.Readable;
  to: zmq.Writable;
  /** Sees each message before it is forwarded (the forwarder counts subscriptions there). */
  inspect?: (frames: Buffer[]) => void;
}

const PROGRESS_MS = 5000;

/** Relays every hop until the role stops (closing the sockets ends the loops). */
export async function relay(role: Pick<Role<unknown>, "log" | "stopping">, hops: Hop[]): Promise<void> {
  const counts = hops.map(() => 0);
  const line = () => hops.map(({ name }, i) => `${counts[i]} ${name}`).join(", ");
  let shown = line();
  const progress = setInterval(() => {
    if (line() !== shown) role.log.info(`relayed ${(shown = line())}`);
  }, PROGRESS_MS);
  try {
    await Promise.all(
      hops.map(async ({ from, to, inspect }, i) => {
        for await (const frames of from) {
          inspect?.(frames);
          await to.send(frames);
          counts[i]!++;
        }
      }),
    );
  } catch (err) {
    // A send cut short by our own close is the normal end of a stop.
    if (!role.stopping) throw err;
  } finally {
    clearInterval(progress);
    role.log.notice(`stopping: relayed ${line()}`);
  }
}

/**
 * Runs a device role: `open` creates, binds and connects its sockets and returns the hops between
 * them; the device then relays until it is stopped.
 */
export function runDevice<S extends Spec>(name: string, spec: S, open: (role: Role<Config<S>>) => Promise<Hop[]>): Promise<void> {
  return runRole(name, spec, async (role) => relay(role, await open(role)));
}
