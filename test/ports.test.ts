// compose/ports.yaml from the host side: a script on the host talks to a container through a
// port published on 127.0.0.1 only, as a pyzmq or zeromq.js script from the docs would.
import * as zmq from "zeromq";
import { describe, expect, it } from "vitest";
import { labsPerTest } from "./helpers/labs.js";
import { base } from "./helpers/reqrep.js";

describe("ports for host scripts", () => {
  const labs = labsPerTest();

  it("a REQ socket on the host gets rep-server's reply through 127.0.0.1, and the server counts it", async () => {
    // Port 0: Docker picks a free host port, so this never collides with a lab already running.
    const lab = await labs.start("reqrep", {
      files: ["compose.yaml", "compose/ports.yaml"],
      env: { ...base, REP_HOST_PORT: "0" },
      services: ["rep-server"],
    });
    const { host, port } = await lab.published("rep-server-1", 5555);
    expect(host).toBe("127.0.0.1");

    const socket = new zmq.Request({ receiveTimeout: 10_000, linger: 0 });
    try {
      socket.connect(`tcp://127.0.0.1:${port}`);
      const replies: string[] = [];
      for (let n = 1; n <= 3; n++) {
        await socket.send("Hello from client host-script");
        const [reply] = await socket.receive();
        replies.push(reply!.toString());
      }
      expect(replies).toEqual(["Hi from Server", "Hi from Server", "Hi from Server"]);
    } finally {
      socket.close();
    }
    await lab.waitForLine("rep-server-1", /^rep-server@\S+ idle for 1500 ms: answered 3 requests from 1 clients?, 0 rejected$/);
    const answered = (await lab.logs("rep-server-1")).filter((line) => line.includes(" answered host-script ("));
    expect(answered).toHaveLength(3);
  });
});
