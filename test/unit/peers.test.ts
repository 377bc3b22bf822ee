import { describe, expect, it } from "vitest";
import { PeerAddresses, parseTcpTable } from "../../services/runtime/peers.js";

const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const row = (local: string, remote: string, state: string) => `   0: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000     0        0 0 1`;

describe("parseTcpTable", () => {
  it("reads addresses and states from /proc/net/tcp and tcp6", () => {
    const v4 = [HEADER, row("0300A8C0:15B3", "0500A8C0:D431", "06")].join("\n");
    // ::ffff:192.168.0.3 and 2001:db8::1, each 32-bit word in little-endian order.
    const v6 = [HEADER, row("0000000000000000FFFF00000300A8C0:15B3", "B80D0120000000000000000001000000:D431", "01")].join("\n");
    expect(parseTcpTable(v4)).toEqual([{ local: "192.168.0.3:5555", remote: "192.168.0.5:54321", state: 6 }]);
    expect(parseTcpTable(v6)).toEqual([{ local: "192.168.0.3:5555", remote: "2001:db8:0:0:0:0:0:1:54321", state: 1 }]);
  });
});describe("PeerAddresses", () => {
  const entry = (remote: string, state: number, local = "10.0.0.2:5555") => ({ local, remote, state });
  const UP = 0x01;
  const TIME_WAIT = 0x06;
  const CLOSE_WAIT = 0x08;

  it("gives each failure one connection closed on the port since, ours first, never one closed before or another port's", () => {
    let table = [entry("10.0.0.9:40000", TIME_WAIT)];
    const peers = new PeerAddresses(5555, () => table);

    table = [
      entry("10.0.0.9:40000", TIME_WAIT),
      entry("10.0.0.8:40002", CLOSE_WAIT), // closed by the peer
      entry("10.0.0.6:40003", TIME_WAIT), // closed here, as libzmq closes a failed handshake
      entry("10.0.0.5:40004", TIME_WAIT, "10.0.0.2:5556"), // another port
    ];
    expect([peers.claim(), peers.claim(), peers.claim()]).toEqual(["10.0.0.6", "10.0.0.8", undefined]);
  });

  it("names a reset connection by what was seen when it was accepted, and never a peer whose handshake succeeded", () => {
    let table: ReturnType<typeof entry>[] = [];
    const peers = new PeerAddresses(5555, () => table);

    table = [entry("10.0.0.7:40001", UP)];
    peers.accepted();
    peers.succeeded(); // 10.0.0.7 is a healthy client
    table = [entry("10.0.0.7:40001", UP), entry("10.0.0.3:40005", UP)];
    peers.accepted();
    // The intruder's bytes are refused and its connection reset: gone from the table.
    table = [entry("10.0.0.7:40001", UP)];
    expect(peers.claim()).toBe("10.0.0.3");
    // The healthy client leaves, closed here: still not anyone's failure.
    table = [entry("10.0.0.7:40001", TIME_WAIT)];
    expect(peers.claim()).toBeUndefined();
    // A refused key, already named by ZAP: its connection is no one else's to claim.
    table = [entry("10.0.0.4:40006", UP)];
    peers.accepted();
    peers.resolved("10.0.0.4");
    table = [entry("10.0.0.4:40006", TIME_WAIT)];
    expect(peers.claim()).toBeUndefined();
  });
});
