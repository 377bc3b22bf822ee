// What the drills share: the intruder's raw bytes and frame garbage, sent from inside a lab's network.
import { expect } from "vitest";
import { RAW_GARBAGE } from "../../services/intruder/garbage.js";
import type { Lab, RunResult } from "./lab.js";

export const KINDS = RAW_GARBAGE.length;

/** Sends the raw garbage to each target from inside the lab's network, all at once. */
export async function attack(lab: Lab, targets: string[]): Promise<void> {
  const runs = await Promise.all(
    targets.map((target) =>
      lab.run(["node", "dist/intruder/intruder.js"], { INTRUDER_TARGET: target, INTRUDER_ACTION: "raw", INTRUDER_WAIT_MS: "1000" }),
    ),
  );
  runs.forEach((run, i) => {
    expect(run.exitCode, `intruder against ${targets[i]}`).toBe(0);
    expect(run.lines.filter((line) => / raw \S+: \d+ bytes sent, /.test(line)), targets[i]).toHaveLength(KINDS);
  });
}

/** The runtime's last report of a role that had `n` raw connections on its bound ports. */
const rejectedPeers = (n: number) => new RegExp(` rejected ${n} connections that failed the handshake$`);

export async function expectRejected(lab: Lab, name: string, connections: number): Promise<void> {
  const lines = await lab.logs(name);
  expect(lines, name).toContainEqual(expect.stringMatching(rejectedPeers(connections)));
  // From the peer's address, or, for bytes libzmq refused unread (its close is then a reset and
  // leaves the kernel nothing to show), an unknown one; "on" the role's own endpoint.
  expect(lines.filter((line) => / WARN handshake failed \((protocol|other)\) from ([\d.]+|an unknown address \(connection already gone\)) on tcp:\/\/[\d.]+:\d+: /.test(line)).length, name).toBeGreaterThan(0);
}

/** The intruder's garbage action against `target` from a `socket` of that type; it must finish cleanly. */
export async function sendGarbage(lab: Lab, target: string, socket: string): Promise<RunResult> {
  const run = await lab.run(["node", "dist/intruder/intruder.js"], {
    INTRUDER_TARGET: target,
    INTRUDER_SOCKET: socket,
    INTRUDER_ACTION: "garbage",
    INTRUDER_WAIT_MS: "3000",
  });
  expect(run.exitCode, `garbage from a ${socket} to ${target}: ${run.lines.join("\n")}`).toBe(0);
  return run;
}
