import { describe, expect, it } from "vitest";
import { replicaOf } from "../../services/runtime/replica.js";

describe("replica name", () => {
  it("drops the compose project from the name Docker's resolver gives the container's address", () => {
    expect(replicaOf("zmq-lab-broker-worker-2.zmq-lab_default")).toBe("broker-worker-2");
    expect(replicaOf("zmq-lab-test-1a2b-slow-worker-1.zmq-lab-test-1a2b_default")).toBe("slow-worker-1");
  });

  it("names a Swarm task by its service and slot, as compose names a replica", () => {
    expect(replicaOf("zmq-lab_consumer.2.zx768sj63kk7w7juf0j887jd0.zmq-lab_default")).toBe("consumer-2");
    expect(replicaOf("zmq-lab_rep-server.3.gjig6pqt16ub93inawlsmee2j")).toBe("rep-server-3");
  });

  it("keeps a name that is not <project>-<service>-<n>, and gives nothing for an empty answer", () => {
    expect(replicaOf("worker.other_net")).toBe("worker");
    expect(replicaOf("lonely")).toBe("lonely");
    expect(replicaOf("")).toBe("");
  });
});
