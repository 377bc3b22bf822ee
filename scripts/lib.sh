# Shared by the project's scripts: source it, don't run it.

# Installs node packages when they are missing or older than the lockfile.
ensure_node_deps() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
}

# Every pattern, in the tour's order.
lab_patterns="pair reqrep pubsub pipeline"

# The pattern's finite role: the service whose exit code is the pattern's verdict.
finite_role() {
  case $1 in
    pair) echo pair-client ;;
    reqrep) echo req-client ;;
    pubsub) echo weather-sub ;;
    pipeline) echo collector ;;
    *) return 1 ;;
  esac
}
