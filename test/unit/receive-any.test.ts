import * as zmq from "zeromq";
import { describe, expect, it } from "vitest";
import { receiveAny, type Arrival } from "../../services/runtime/receive-any.js";

/** A PUSH → PULL pair over inproc, one per name. */
async function pair(name: string): Promise<[zmq.Push, zmq.Pull]> {
  const pull = new zmq.Pull({ linger: 0 });
  await pull.bind(`inproc://${name}`);
  const push = new zmq.Push({ linger: 0 });
  push.connect(`inproc://${name}`);
  return [push, pull];
}

describe("receiveAny", () => {
  it("tags every message with its socket, a busy one beside a quiet one, and ends when both close", async () => {
    const [busyPush, busy] = await pair("busy");
    const [quietPush, quiet] = await pair("quiet");
    // More than the high-water marks hold: sent while the loop reads.
    const sending = (async () => {
      for (let i = 0; i < 5000; i++) await busyPush.send(String(i));
      await quietPush.send("late");
    })();
    const seen: Arrival[] = [];
    for await (const arrival of receiveAny([busy, quiet])) {
      seen.push(arrival!);
      if (seen.length === 5001) [busy, quiet].forEach((socket) => socket.close());
    }
    await sending;
    const texts = (index: number) => seen.filter((a) => a.index === index).map((a) => String(a.frames[0]));
    expect(texts(0)).toEqual(Array.from({ length: 5000 }, (_, i) => String(i)));
    expect(texts(1)).toEqual(["late"]);
    [busyPush, quietPush].forEach((socket) => socket.close());
  });

  it("yields undefined for each idle spell and goes on with the messages after it", async () => {
    const [push, pull] = await pair("idle");
    const seen: Array<string | undefined> = [];
    for await (const arrival of receiveAny([pull], 50)) {
      seen.push(arrival && String(arrival.frames[0]));
      // Two idle spells in a row, then a message, then one more idle spell.
      if (seen.length === 2) await push.send("after two");
      if (seen.length === 4) pull.close();
    }
    expect(seen).toEqual([undefined, undefined, "after two", undefined]);
    push.close();
  });
});
