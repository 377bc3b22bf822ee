# Shared by the project's scripts: source it, don't run it.

# Installs node packages when they are missing or older than the lockfile.
ensure_node_deps() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
}

# Every pattern, in the tour's order.
lab_patterns="pair reqrep pubsub pipeline broker reqrep-queue pubsub-forwarder pipeline-streamer"

# The pattern's finite role: the service whose exit code is the pattern's verdict.
finite_role() {
  case $1 in
    pair) echo pair-client ;;
    reqrep) echo req-client ;;
    pubsub) echo weather-sub ;;
    pipeline | pipeline-streamer) echo collector ;;
    broker) echo broker-client ;;
    reqrep-queue) echo queue-client ;;
    pubsub-forwarder) echo forwarded-sub ;;
    *) return 1 ;;
  esac
}

# The setup (Docker, the base image), then the one role image.
prepare_lab() {
  NODE_IMAGE=$(bash scripts/setup-docker.sh | tail -n 1 | cut -d= -f2-)
  export NODE_IMAGE
  bash scripts/image.sh
}

# Compose options every lab command shares, set by the scripts' argument parsing:
# lab_files (-f ... for --ports), lab_project (--project-name <name>) and lab_profiles (profiles
# beside the pattern's: --profile view for --view).
lab_files=()
lab_project=()
lab_profiles=()
lab_compose() { docker compose "${lab_files[@]}" "${lab_project[@]}" "${lab_profiles[@]}" "$@"; }

# The project name compose will use: -p, else COMPOSE_PROJECT_NAME (shell or .env), else compose.yaml's.
lab_project_name() { lab_compose config 2>/dev/null | sed -n 's/^name: //p' | head -n 1; }

# run_pattern <pattern> [docker compose up options]: `up` until every container of the pattern's
# finite role has exited, then stops the other roles (with lab_keep=1: until Ctrl+C). Sets
# lab_status (compose's exit code), lab_interrupted (1 after a Ctrl+C), lab_verdict (the finite
# role's first non-zero exit code, else 0; compose's code if none ran) and lab_codes
# ("<container> <code>, ...").
lab_keep=0
run_pattern() {
  local pattern=$1; shift
  local finite; finite=$(finite_role "$pattern")
  # Only containers this run started count, not a previous run's.
  local since; since=$(date -u +%Y-%m-%dT%H:%M:%S)
  finite_states() {
    local ids; ids=$(lab_compose --profile "$pattern" ps -a -q "$finite" 2>/dev/null)
    [ -n "$ids" ] || return 0
    # shellcheck disable=SC2086
    docker inspect -f '{{.State.StartedAt}} {{.State.Status}} {{.State.ExitCode}} {{.Name}}' $ids |
      awk -v since="$since" 'substr($1, 1, 19) >= since { print $2, $3, substr($4, 2) }'
  }
  # In the background: once every finite container has exited, stop the rest (the servers), which
  # ends the `up` below.
  local waiter=""
  if [ "$lab_keep" = 0 ]; then
    (
      while :; do
        local states; states=$(finite_states)
        if [ -n "$states" ] && ! grep -qv '^exited ' <<<"$states"; then
          echo "[lab] $finite done; stopping the other roles" >&2
          lab_compose --profile "$pattern" stop >/dev/null 2>&1 || true
          exit 0
        fi
        sleep 1
      done
    ) &
    waiter=$!
  fi
  # Compose runs in a session of its own (where setsid exists), so a Ctrl+C reaches this script
  # alone, and it stops the roles once, with SIGTERM: reaching both docker and its compose plugin,
  # one Ctrl+C counted twice and compose killed the roles.
  local isolate=()
  command -v setsid >/dev/null && isolate=(setsid)
  local status_file; status_file=$(mktemp)
  ( "${isolate[@]}" docker compose "${lab_files[@]}" "${lab_project[@]}" "${lab_profiles[@]}" --profile "$pattern" up --no-build "$@"
    echo $? >"$status_file" ) &
  local up=$!
  lab_interrupted=0
  trap 'lab_interrupted=1; echo "[lab] stopping the roles" >&2; lab_compose --profile "$pattern" stop >/dev/null 2>&1 || true' INT TERM
  while kill -0 "$up" 2>/dev/null; do wait "$up" || true; done
  trap - INT TERM
  lab_status=$(cat "$status_file"); rm -f "$status_file"
  lab_status=${lab_status:-130}
  if [ -n "$waiter" ]; then
    kill "$waiter" 2>/dev/null || true
    wait "$waiter" 2>/dev/null || true
  fi

  local states; states=$(finite_states)
  if [ -z "$states" ]; then
    lab_codes="no $finite container ran"
    lab_verdict=$lab_status
  else
    lab_codes=$(awk '{ printf "%s%s %s", sep, $3, $2; sep = ", " }' <<<"$states")
    lab_verdict=$(awk '$2 != 0 { print $2; exit }' <<<"$states")
    lab_verdict=${lab_verdict:-0}
  fi
}
