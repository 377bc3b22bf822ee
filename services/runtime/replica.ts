// The compose replica name of this container (broker-worker-2), which people can match against
// `docker compose ps` and the test's container names, where the hostname is only a container id.
import { Resolver } from "node:dns/promises";
import { hostname, networkInterfaces } from "node:os";

/**
 * Asks Docker's resolver for the name of this container's own address: it answers
 * `<project>-<service>-<n>.<project>_<network>`, and the project prefix is dropped. Falls back to
 * the hostname outside compose or when the resolver does not answer within half a second.
 */
export async function replicaName(): Promise<string> {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((nic) => nic && !nic.internal && nic.family === "IPv4")?.address;
  return (address && (await nameOf(address))) || hostname();
}

/** The replica name (`weather-pub-1-2`) Docker's resolver gives an IPv4 address, if it answers within half a second. */
export async function nameOf(address: string): Promise<string | undefined> {
  // resolvePtr, not reverse: c-ares's reverse drops names with "_", as Docker's network names have.
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  const [name] = await resolver.resolvePtr(`${address.split(".").reverse().join(".")}.in-addr.arpa`).catch(() => []);
  return (name && replicaOf(name)) || undefined;
}

/**
 * `zmq-lab-broker-worker-2.zmq-lab_default` → `broker-worker-2`: the container name without its
 * project. A Swarm task's `<stack>_consumer.2.<task id>.<stack>_default` → `consumer-2`.
 */
export function replicaOf(ptr: string): string {
  const task = /^[^_.]+_([^.]+)\.(\d+)\.[a-z0-9]{25}(\.|$)/.exec(ptr);
  if (task) return `${task[1]}-${task[2]}`;
  const [container = "", network = ""] = ptr.split(/\.(.*)/s);
  const project = network.slice(0, network.lastIndexOf("_"));
  return project && container.startsWith(`${project}-`) ? container.slice(project.length + 1) : container;
}
