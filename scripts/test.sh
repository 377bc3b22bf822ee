#!/usr/bin/env bash
# The whole suite from a clean clone: Docker toolchain, node deps, unit and integration tests.
# Ends with a plain summary line, "tests: N passed, N failed, N skipped", read from vitest's JSON report.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

NODE_IMAGE=$(bash scripts/setup-docker.sh | tail -n 1 | cut -d= -f2-)
export NODE_IMAGE
# Ryuk's image can't be pulled everywhere; every test tears its own project down instead.
export TESTCONTAINERS_RYUK_DISABLED=true

ensure_node_deps
# The browser tests (test/view.test.ts) need a headless Chromium: installed only when they run,
# that is with no arguments, or arguments naming them or the integration project.
if [ $# -eq 0 ] || grep -qE 'view|integration' <<<"$*"; then
  CHROMIUM_PATH=$(bash scripts/setup-browser.sh | tail -n 1 | cut -d= -f2-)
  export CHROMIUM_PATH
fi
npx tsc -p tsconfig.json --noEmit

report=.lab/vitest-report.json
rm -f "$report"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$report" 2>/dev/null || echo "tests: no report written (vitest exit $status)"
exit "$status"
