# A lab swarm node: Docker-in-Docker on the lab's base image (the stand-in's Debian bookworm, or
# node:24-bookworm-slim), with Debian's engine. Built once by swarm/nodes.ts and reused.
ARG NODE_IMAGE=node:24-bookworm-slim
FROM ${NODE_IMAGE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc /usr/share/man
