#!/usr/bin/env bash
# A pattern on a lab swarm: `npm run swarm -- <pattern> [--replicas service=N ...] [--nodes N]`,
# `npm run swarm -- down`. Setup and the role image as for the lab, then the host-side
# orchestrator (swarm/run.ts), which makes the Docker-in-Docker nodes and the stack.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_node_deps
if [ "${1:-}" != down ]; then prepare_lab; fi
npx tsc -p tsconfig.swarm.json
exec node .lab/swarm/swarm/run.js "$@"
