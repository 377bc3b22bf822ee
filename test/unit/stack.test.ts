import { describe, expect, it } from "vitest";
import { keySecrets, startOrder, toStack, type ComposeConfig } from "../../swarm/stack.js";

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

  it("moves each CURVE key from a service's env to a secret it mounts, read through <name>_FILE, one secret per key value", () => {
    const [secret, other] = ["S".repeat(39) + "$", "P".repeat(40)];
    const secure: ComposeConfig = {
      services: {
        // As compose config writes them: a `$` doubled.
        server: { ...role, environment: { ZMQ_CURVE: "on", CURVE_SERVER_SECRET: secret.replaceAll("$", "$$$$"), CURVE_ALLOW: "client" } },
        client: { ...role, environment: { ZMQ_CURVE: "on", CURVE_SERVER_PUBLIC: other, CURVE_CLIENT_SECRET_2: secret.replaceAll("$", "$$$$"), CURVE_CLIENT_SERVICE: "client" } },
      },
    };
    const stack = toStack(secure, { finite: "client" });
    const services = stack.services as Record<string, { environment: Record<string, string>; secrets: Array<{ source: string; target: string }> }>;
    expect(services.server!.environment).toEqual({ ZMQ_CURVE: "on", CURVE_SERVER_SECRET_FILE: "/run/secrets/CURVE_SERVER_SECRET", CURVE_ALLOW: "client", DISCOVERY: "tasks" });
    expect(services.client!.secrets.map((s) => s.target)).toEqual(["CURVE_SERVER_PUBLIC", "CURVE_CLIENT_SECRET_2"]);
    expect(JSON.stringify(stack)).not.toContain(secret.slice(0, 39));
    const secrets = keySecrets(secure);
    expect([...secrets.values()].sort()).toEqual([other, secret, secret]);
    expect(Object.keys(stack.secrets!).sort()).toEqual([...secrets.keys()].sort());
    expect(services.server!.secrets).toEqual([{ source: expect.stringMatching(/^curve-server-secret-[0-9a-f]{12}$/), target: "CURVE_SERVER_SECRET" }]);
  });

  it("starts the services in compose's order, each after what its depends_on requires, and refuses a circle", () => {
    const ordered: ComposeConfig = {
      services: {
        ...config.services,
        producer: { ...config.services.producer!, depends_on: { consumer: { condition: "service_started" } } },
        collector: { ...config.services.collector!, depends_on: { producer: { condition: "service_started", required: false }, absent: {} } },
        watcher: { ...role, depends_on: { producer: { condition: "service_started", required: true } } },
      },
    };
    // The collector's dependency is not required: it starts at once.
    expect(startOrder(ordered)).toEqual([["consumer", "slow-consumer", "collector"], ["producer"], ["watcher"]]);
    const circle: ComposeConfig = { services: { a: { ...role, depends_on: { b: {} } }, b: { ...role, depends_on: { a: {} } } } };
    expect(() => startOrder(circle)).toThrow(/circle among a, b/);
  });
});
