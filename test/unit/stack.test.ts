import { describe, expect, it } from "vitest";
import { toStack, type ComposeConfig } from "../../swarm/stack.js";

const role = { image: "zmq-lab/roles:t", init: true, stop_grace_period: "5s", labels: { "org.zmq-lab.tag": "t" } };
const config: ComposeConfig = {
  services: {
    "role-image": { ...role, build: { context: "." }, scale: 0 },
    producer: { ...role, command: ["node", "dist/pipeline/producer.js"], entrypoint: null, environment: { TASKS: "", DISCOVERY: "" } },
    consumer: { ...role, command: ["node", "dist/pipeline/consumer.js"], environment: { TASK_COST: "5", UNSET: null } },
    "slow-consumer": { ...role, deploy: { replicas: 0 } },
    collector: { ...role, command: ["node", "dist/pipeline/collector.js"] },
  },
};

describe("the stack file made from the compose config", () => {
  const stack = toStack(config, { finite: "collector", replicas: { consumer: 4 }, onManager: ["collector"] });
  type Service = { hostname: string; environment: Record<string, string>; deploy: Record<string, unknown> & { placement: Record<string, unknown> } };
  const services = stack.services as Record<string, Service>;

  it("keeps the roles that run, not the image build or services with no replicas", () => {
    expect(stack.version).toBe("3.8");
    expect(Object.keys(services).sort()).toEqual(["collector", "consumer", "producer"]);
  });

  it("names each task like a compose replica and has every role find replicas under tasks.<service>", () => {
    expect(services.consumer!.hostname).toBe("consumer-{{.Task.Slot}}");
    expect(services.consumer!.environment).toEqual({ TASK_COST: "5", DISCOVERY: "tasks" });
    expect(services.producer!.environment.DISCOVERY).toBe("tasks");
  });

  it("runs the finite role once, restarts the others on failure, spreads replicas and lists them in DNS", () => {
    expect(services.consumer!.deploy).toMatchObject({ replicas: 4, endpoint_mode: "dnsrr", restart_policy: { condition: "on-failure" } });
    expect(services.consumer!.deploy.placement).toEqual({ preferences: [{ spread: "node.labels.zmq-lab.node" }] });
    expect(services.collector!.deploy).toMatchObject({ replicas: 1, restart_policy: { condition: "none" }, placement: { constraints: ["node.role == manager"] } });
  });

  it("refuses replicas for a service the pattern does not have", () => {
    expect(() => toStack(config, { finite: "collector", replicas: { worker: 2 } })).toThrow(/worker/);
  });
});
