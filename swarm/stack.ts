// A pattern's stack file, made from the compose files themselves: `docker compose --profile X
// config --format json` flattened (extends, include, env interpolation done by compose), then
// adapted to what `docker stack deploy` on engine 20.10 takes. No second copy of any role.
import { createHash } from "node:crypto";
import { KEY_VARIABLE } from "../services/runtime/security.js";

/** The part of `docker compose config --format json` this adapter reads. */
export interface ComposeConfig {
  services: Record<string, ComposeService>;
}

export interface ComposeService {
  image?: string;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  init?: boolean;
  labels?: Record<string, string>;
  stop_grace_period?: string;
  build?: unknown;
  scale?: number;
  deploy?: { replicas?: number };
  /** compose config writes the long form: service → { condition, required }. */
  depends_on?: Record<string, unknown>;
}

export interface StackOptions {
  /** The pattern's finite role: it runs once (no restart), and its end is the stack's verdict. */
  finite: string;
  /** Replicas per service (default: compose's, else 1). */
  replicas?: Record<string, number>;
  /** Services kept on the manager node (the node-loss drill keeps the singletons there). */
  onManager?: string[];
}

/** The node label every lab node carries, so placement can spread replicas over nodes. */
export const NODE_LABEL = "zmq-lab.node";

/** The stack: one service per role of the profile that has replicas, on the stack's overlay network. */
export function toStack(config: ComposeConfig, { finite, replicas = {}, onManager = [] }: StackOptions) {
  const unknown = Object.keys(replicas).filter((name) => !(name in config.services));
  if (unknown.length > 0) throw new Error(`--replicas names no service of this pattern: ${unknown.join(", ")}`);
  const services: Record<string, object> = {};
  const secrets: Record<string, { external: true }> = {};
  for (const [name, service] of Object.entries(config.services)) {
    // The image-building service (build:, scale 0) runs nothing; compose's replicas: 0 stay off.
    const count = replicas[name] ?? service.deploy?.replicas ?? service.scale ?? 1;
    if (service.build !== undefined || count === 0) continue;
    const { environment, keys } = splitKeys(definedOnly(service.environment));
    keys.forEach(({ secret }) => (secrets[secret] = { external: true }));
    services[name] = {
      image: service.image,
      ...(service.command ? { command: service.command } : {}),
      ...(service.entrypoint ? { entrypoint: service.entrypoint } : {}),
      // Replica names people can match: consumer-2 in logs and reports, as on compose.
      hostname: `${name}-{{.Task.Slot}}`,
      // Swarm's DNS lists a service's replicas under tasks.<service>; its name is one virtual IP.
      environment: { ...environment, DISCOVERY: service.environment?.DISCOVERY || "tasks" },
      // The CURVE keys compose gave this service (its side's only) as secrets, each read from its file.
      ...(keys.length > 0 ? { secrets: keys.map(({ secret, variable }) => ({ source: secret, target: variable })) } : {}),
      init: service.init,
      labels: service.labels,
      stop_grace_period: service.stop_grace_period,
      deploy: {
        replicas: count,
        // The name lists every replica, as compose's DNS does: no virtual IP, which needs the
        // kernel's IPVS (absent on some hosts, this lab's included), and libzmq connects to one address anyway.
        endpoint_mode: "dnsrr",
        // The finite role's exit is the verdict, so it never runs twice; the others come back
        // after a crash or a lost node, not after a clean exit (a consumer told to stop).
        restart_policy: { condition: name === finite ? "none" : "on-failure" },
        placement: {
          preferences: [{ spread: `node.labels.${NODE_LABEL}` }],
          ...(onManager.includes(name) ? { constraints: ["node.role == manager"] } : {}),
        },
      },
    };
  }
  // Engine 20.10's stack loader wants a version, and knows nothing of name, profiles or build.
  // The secrets are made before the deploy (keySecrets), so no key passes through a file on a node.
  return { version: "3.8", services, ...(Object.keys(secrets).length > 0 ? { secrets } : {}) };
}

/** A key's secret: named by its variable and a hash of its value, since a Swarm secret never changes. */
const secretOf = (variable: string, value: string) =>
  `${variable.toLowerCase().replaceAll("_", "-")}-${createHash("sha256").update(value).digest("hex").slice(0, 12)}`;

/** A service's environment without its CURVE keys, and each key as the secret that carries it and the `_FILE` variable that finds it. */
function splitKeys(env: Record<string, string>) {
  const environment: Record<string, string> = {};
  const keys: Array<{ variable: string; secret: string; value: string }> = [];
  for (const [variable, value] of Object.entries(env)) {
    if (KEY_VARIABLE.test(variable) && value !== "") {
      // compose config writes Z85's `$` as `$$`, which stack deploy would read back as `$`; a secret is taken as it is.
      const key = value.replaceAll("$$", "$");
      keys.push({ variable, secret: secretOf(variable, key), value: key });
      environment[`${variable}_FILE`] = `/run/secrets/${variable}`;
    } else environment[variable] = value;
  }
  return { environment, keys };
}

/** The secrets the stack of `config` needs, by name: their values are the keys compose put in the services' environment. */
export function keySecrets(config: ComposeConfig): Map<string, string> {
  const services = Object.values(config.services).filter((service) => service.build === undefined);
  return new Map(services.flatMap((service) => splitKeys(definedOnly(service.environment)).keys.map(({ secret, value }) => [secret, value] as const)));
}

const definedOnly = (env: Record<string, string | null> = {}) =>
  Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== null));

/**
 * Compose's start order, which Swarm does not have: the services in waves, each service after the
 * ones its depends_on requires (consumers before the producer, publishers before their
 * subscriber). A dependency marked `required: false` holds nothing back: each wave takes seconds
 * on Swarm, and the collector, started a wave after the producer, met results before its batch
 * start. The image-building service is left out.
 */
export function startOrder(config: ComposeConfig): string[][] {
  const names = Object.keys(config.services).filter((name) => config.services[name]!.build === undefined);
  const waves: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < names.length) {
    const after = (name: string) =>
      Object.entries(config.services[name]!.depends_on ?? {})
        .filter(([other, how]) => names.includes(other) && (how as { required?: boolean } | null)?.required !== false)
        .map(([other]) => other);
    const wave = names.filter((name) => !placed.has(name) && after(name).every((other) => placed.has(other)));
    if (wave.length === 0) throw new Error(`depends_on goes round in a circle among ${names.filter((name) => !placed.has(name)).join(", ")}`);
    wave.forEach((name) => placed.add(name));
    waves.push(wave);
  }
  return waves;
}
