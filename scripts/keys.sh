#!/usr/bin/env bash
# `npm run keys [-- --force] [--replicas consumer=8]`: CURVE keypairs for secure mode in .lab/curve/:
# the servers', and one per connecting service (and replica index), each file mode 600.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_node_deps
npx tsc -p tsconfig.build.json
node dist/tools/keys.js "$@"
