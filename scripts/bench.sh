#!/usr/bin/env bash
# The benchmark: `npm run bench`. Setup as for the lab, then the role image (built once, so every
# `up` below starts from a warm image), then the host-side orchestrator (bench/run.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

NODE_IMAGE=$(bash scripts/setup-docker.sh | tail -n 1 | cut -d= -f2-)
export NODE_IMAGE
ensure_node_deps
# Every service shares the role image, so building one builds it for all.
docker compose --profile bench build --quiet bench-sink
# The orchestrator runs on the host; the loopback runs use the same image with --network host.
npx tsc -p tsconfig.bench.json
exec node .lab/bench/bench/run.js "$@"
