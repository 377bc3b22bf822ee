# Shared by the project's scripts: source it, don't run it.

# Installs node packages when they are missing or older than the lockfile.
ensure_node_deps() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
}
