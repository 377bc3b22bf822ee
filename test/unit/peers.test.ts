import { describe, expect, it } from "vitest";
import { ClosedPeers, parseTcpTable } from "../../services/runtime/peers.js";

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
});

describe("ClosedPeers", () => {
  it("gives each failure one connection closed on the port since, ours first, never one that was closed before", () => {
    const entry = (remote: string, state: number, local = "10.0.0.2:5555") => ({ local, remote, state });
    let table = [entry("10.0.0.9:40000", 0x06)];
    const peers = new ClosedPeers(5555, () => table);

    table = [
      entry("10.0.0.9:40000", 0x06),
      entry("10.0.0.7:40001", 0x01), // still connected: a healthy peer
      entry("10.0.0.8:40002", 0x08), // closed by the peer
      entry("10.0.0.6:40003", 0x06), // closed here, as libzmq closes a failed handshake
      entry("10.0.0.5:40004", 0x06, "10.0.0.2:5556"), // another port
    ];
    expect([peers.claim(), peers.claim(), peers.claim()]).toEqual(["10.0.0.6", "10.0.0.8", undefined]);
    // Gone from the table and back (a reused port): a new connection, claimable again.
    table = [];
    expect(peers.claim()).toBeUndefined();
    table = [entry("10.0.0.6:40003", 0x05)];
    expect(peers.claim()).toBe("10.0.0.6");
  });
});
