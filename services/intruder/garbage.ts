/** One of each malformed frame a role must count as rejected and survive. */
export const GARBAGE: ReadonlyArray<readonly [kind: string, frames: Array<string | Buffer>]> = [
  ["bad-json", ['{"num": 5']],
  ["non-numeric", ['{"consumer": "intruder", "num": "five", "task": "x"}']],
  ["text", ["10001 hot"]],
  ["empty", [""]],
  ["multipart", ["part-1", "part-2", "part-3"]],
  // Over the roles' 64 KiB maxMessageSize: libzmq drops the connection, the role never sees it.
  ["oversized", [Buffer.alloc(128 * 1024, "A")]],
];
