#!/usr/bin/env bash
# Makes sure this machine can run the lab: a Docker engine, Compose 2.24 or newer, buildx,
# and a Node base image. Idempotent: a second run only checks and reuses.
# Prints the resolved base image as its last line: NODE_IMAGE=<tag>.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
state="$repo/.lab"
mkdir -p "$state"
default_image=node:24-bookworm-slim
# The shell's NODE_IMAGE wins over .env's, as it does for compose.
env_image=$(sed -nE 's/^[[:space:]]*NODE_IMAGE[[:space:]]*=[[:space:]]*["'\'']?([^"'\''#[:space:]]*).*/\1/p' "$repo/.env" 2>/dev/null | tail -n 1 || true)
want_image=${NODE_IMAGE:-${env_image:-$default_image}}
local_image=zmq-lab/node:24-bookworm-slim-local
started=$SECONDS

say() { printf '[setup %3ds] %s\n' $((SECONDS - started)) "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# The compose files need Compose 2.24 or newer: `include` came in 2.20, `env_file` with `required:` in 2.24.
compose_needed=2.24
compose_found() { docker compose version --short 2>/dev/null | sed -nE 's/^v?([0-9]+\.[0-9]+(\.[0-9]+)?).*/\1/p'; }
compose_ok() {
  local found; found=$(compose_found)
  [ -n "$found" ] && [ "$(printf '%s\n%s\n' "$compose_needed" "$found" | sort -V | head -n 1)" = "$compose_needed" ]
}
compose_words() {
  local found; found=$(compose_found)
  echo "docker compose $compose_needed or newer (found ${found:-none})"
}
engine_up() { timeout 10 docker info >/dev/null 2>&1; }

# The Debian mirror this host already uses, so no mirror is hard-coded here.
debian_mirror() {
  local uri
  uri=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1)
  [ -n "$uri" ] || uri=$(grep -hsE '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n1)
  [ -n "$uri" ] || die "no Debian mirror found in the apt sources"
  echo "$uri"
}

# What this machine lacks, in words, for the messages below.
missing() {
  local gaps=()
  command -v docker >/dev/null || gaps+=("the docker CLI")
  command -v docker >/dev/null && ! engine_up && gaps+=("a running Docker engine (docker info fails)")
  command -v docker >/dev/null && ! compose_ok && gaps+=("$(compose_words)")
  local IFS=','
  echo "${gaps[*]}" | sed 's/,/, /g'
}

install_toolchain() {
  local how="Install Docker Engine with compose v2 (https://docs.docker.com/engine/install/), start it, then rerun."
  [ "$(id -u)" = 0 ] || die "missing: $(missing). The automatic install needs root. $how"
  grep -qs '^ID=debian' /etc/os-release || die "missing: $(missing). The automatic install is for Debian only. $how"
  export DEBIAN_FRONTEND=noninteractive
  local mirror; mirror=$(debian_mirror)
  # Trixie only for compose v2 and buildx; everything else stays on bookworm.
  cat >/etc/apt/sources.list.d/zmq-lab-trixie.sources <<SRC
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  cat >/etc/apt/preferences.d/zmq-lab-trixie <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 1

Package: docker-compose docker-buildx
Pin: release n=trixie
Pin-Priority: 990
PIN
  say "apt-get update"
  timeout 300 apt-get update -qq
  say "installing docker.io (bookworm), docker-compose and docker-buildx (trixie), debootstrap"
  timeout 600 apt-get install -y -qq --no-install-recommends \
    docker.io docker-compose docker-buildx debootstrap iptables ca-certificates >/dev/null
}

start_engine() {
  command -v dockerd >/dev/null || die "dockerd not found after install"
  [ "$(id -u)" = 0 ] || die "docker info fails: the engine is not running, or this user may not use it. Start it (sudo systemctl start docker, or Docker Desktop), or add this user to the docker group, then rerun."
  say "starting dockerd in the background (log: .lab/dockerd.log)"
  # A session of its own, so a Ctrl+C in the terminal that ran `npm run lab` stops the lab, not the engine.
  setsid dockerd >"$state/dockerd.log" 2>&1 </dev/null &
  echo $! >"$state/dockerd.pid"
  for _ in $(seq 1 60); do
    engine_up && { say "dockerd answers"; return; }
    sleep 1
  done
  tail -n 20 "$state/dockerd.log" >&2
  die "dockerd did not answer within 60 s"
}

# A registry-free equivalent of node:24-bookworm-slim: debootstrap + Node and npm from npm packages.
build_local_base() {
  # Node's npm packages exist per CPU; the stand-in is made for x64 and arm64 hosts.
  local node_arch
  case $(uname -m) in
    x86_64 | amd64) node_arch=x64 ;;
    aarch64 | arm64) node_arch=arm64 ;;
    *) die "the local stand-in base image can be built for x64 or arm64 only, and this machine is $(uname -m). Set NODE_IMAGE (shell or .env) to a Node 24 image for this CPU, then rerun." ;;
  esac
  local work; work=$(mktemp -d)
  local root="$work/rootfs"
  say "debootstrap --variant=minbase bookworm (about a minute)"
  timeout 600 debootstrap --variant=minbase bookworm "$root" "$(debian_mirror)" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  say "fetching Node 24 and npm 11 with npm pack"
  (cd "$work" && timeout 300 npm pack --silent "node-linux-$node_arch@24" npm@11 >/dev/null)
  mkdir -p "$work/node" "$root/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/node-linux-"$node_arch"-*.tgz -C "$work/node" --strip-components=1
  install -m 0755 "$work/node/bin/node" "$root/usr/local/bin/node"
  tar -xzf "$work"/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # The host's CA bundle lets npm inside builds pass a TLS-inspecting proxy.
  install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc \
    "$root"/usr/share/man "$root"/usr/share/locale "$root"/debootstrap
  say "docker import as $local_image"
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    -c 'ENV npm_config_cafile=/etc/ssl/certs/ca-certificates.crt' \
    -c 'LABEL org.opencontainers.image.description="zmq-lab local stand-in for node:24-bookworm-slim"' \
    -c 'CMD ["node"]' - "$local_image" >/dev/null
  rm -rf "$work"
  docker run --rm "$local_image" node -e 'console.log("node", process.version)' | sed 's/^/[setup] base image: /' >&2
}

resolve_base_image() {
  if docker image inspect "$want_image" >/dev/null 2>&1; then echo "$want_image"; return; fi
  if [ "$want_image" != "$default_image" ]; then
    say "pulling $want_image (NODE_IMAGE)"
    timeout 90 docker pull -q "$want_image" >/dev/null 2>&1 && { echo "$want_image"; return; }
    die "NODE_IMAGE=$want_image can't be found or pulled; build or load it first, or unset NODE_IMAGE to use $default_image"
  fi
  # A stand-in exists only because an earlier pull failed; remove it to try the registry again.
  if docker image inspect "$local_image" >/dev/null 2>&1; then
    say "reusing $local_image ($want_image was not available earlier; docker rmi $local_image to retry)"
    echo "$local_image"; return
  fi
  say "pulling $want_image"
  if timeout 90 docker pull -q "$want_image" >/dev/null 2>&1; then echo "$want_image"; return; fi
  say "$want_image can't be pulled here; using the local equivalent $local_image"
  build_local_base
  echo "$local_image"
}

if engine_up && compose_ok; then
  say "Docker engine and compose $(compose_found) found; leaving them as they are"
else
  if ! command -v dockerd >/dev/null || ! compose_ok || ! docker buildx version >/dev/null 2>&1; then
    install_toolchain
  fi
  engine_up || start_engine
  compose_ok || die "missing: $(compose_words). Install a newer Docker Compose (https://docs.docker.com/compose/install/), then rerun."
fi
say "$(docker version --format 'engine {{.Server.Version}}'), compose $(docker compose version --short)"
image=$(resolve_base_image)
echo "$image" >"$state/node-image"
say "base image: $image (done in $((SECONDS - started)) s)"
echo "NODE_IMAGE=$image"
