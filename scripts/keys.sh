#!/usr/bin/env bash
# `npm run keys [-- --force]`: CURVE keypairs for secure mode, one file per side in .lab/curve/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_node_deps
npx tsc -p tsconfig.build.json
node dist/tools/keys.js "$@"
