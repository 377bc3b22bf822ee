#!/usr/bin/env bash
# Makes sure this machine can run the lab: a Docker engine, Compose 2.24 or newer, buildx,
# and a Node base image. Idempotent: a second run only checks and reuses.
# Prints the resolved base image as its last line: NODE_IMAGE=<tag>.
set -euo pipefail
# Command substitutions stop at a failure too (image=$(resolve_base_image) runs the whole build).
shopt -s inherit_errexit

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
compose_found() { docker compose version --short 2>/dev/null | sed -nE 's/^v?([0-9]+\.[0-9]+(\.[0-9]+)?).*/\1/p' || true; }
compose_ok() {
  local found; found=$(compose_found)
  [ -n "$found" ] && [ "$(printf '%s\n%s\n' "$compose_needed" "$found" | sort -V | head -n 1)" = "$compose_needed" ]
}
compose_words() {
  local found; found=$(compose_found)
  echo "docker compose $compose_needed or newer (found ${found:-none})"
}
engine_up() { timeout 10 docker info >/dev/null 2>&1; }

# Debian's own mirror: DEBIAN_MIRROR when set, else as this host's apt sources name it, so no
# mirror is hard-coded here. A source counts only when it is Debian's: signed by the Debian archive
# keyring, or (no Signed-By) bookworm suites with component main from a .../debian URI. A
# third-party repository (Docker's, NodeSource...) and the security archive never count.
debian_mirror() {
  [ -z "${DEBIAN_MIRROR:-}" ] || { echo "$DEBIAN_MIRROR"; return; }
  local uri
  uri=$( { apt_stanzas; } | awk -F'\t' '
    $1 !~ /(^| )deb( |$)/ || $2 !~ /^https?:\/\// || $2 ~ /security/ || $3 ~ /security/ { next }
    $5 ~ /debian-archive-keyring/ { print $2; exit }
    $5 == "" && $3 ~ /^bookworm(-updates|-backports)?( bookworm(-updates|-backports)?)*$/ && $4 ~ /(^| )main( |$)/ && $2 ~ /\/debian\/?$/ { print $2; exit }' || true)
  [ -n "$uri" ] || die "no Debian source in this host's apt sources (only third-party or security ones). Set DEBIAN_MIRROR to your Debian mirror's URL (the .../debian directory), then rerun."
  echo "$uri"
}

# Every apt source of this host, one per line: types, first URI, suites, components, signed-by
# (tab-separated). deb822 files first, then the one-line format.
apt_stanzas() {
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    awk 'BEGIN { RS = ""; OFS = "\t" }
      { t = u = s = c = k = ""; on = 1
        n = split($0, lines, "\n")
        for (i = 1; i <= n; i++) {
          if (!match(lines[i], /^[A-Za-z-]+:/)) continue
          key = tolower(substr(lines[i], 1, RLENGTH - 1)); value = substr(lines[i], RLENGTH + 1)
          gsub(/^[ \t]+|[ \t]+$/, "", value)
          if (key == "types") t = value; else if (key == "uris") { split(value, w, /[ \t]+/); u = w[1] }
          else if (key == "suites") s = value; else if (key == "components") c = value
          else if (key == "signed-by") k = value; else if (key == "enabled" && tolower(value) == "no") on = 0
        }
        if (on) print t, u, s, c, k }' "$file"
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    awk 'BEGIN { OFS = "\t" }
      $1 == "deb" { k = ""; line = $0
        if (match(line, /\[[^]]*\]/)) { opts = substr(line, RSTART, RLENGTH); line = substr(line, 1, RSTART - 1) substr(line, RSTART + RLENGTH)
          if (match(opts, /signed-by=[^] ]*/)) k = substr(opts, RSTART + 10, RLENGTH - 10) }
        n = split(line, w, /[ \t]+/); c = ""
        for (i = 4; i <= n; i++) c = c (c == "" ? "" : " ") w[i]
        print "deb", w[2], w[3], c, k }' "$file"
  done
}

# Docker's own engine packages: Debian's docker.io conflicts with them and would replace them.
docker_ce_installed() {
  local pkg
  for pkg in docker-ce docker-ce-cli containerd.io; do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q ' installed$' && return 0
  done
  return 1
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

trixie_source=/etc/apt/sources.list.d/zmq-lab-trixie.sources
trixie_pin=/etc/apt/preferences.d/zmq-lab-trixie
# Writes a file whole or not at all: apt reads only *.sources, *.list and pin files whose names have
# no dot, so the temporary name beside it is never read half-written.
write_atomically() {
  local target=$1 tmp
  tmp=$(mktemp "$(dirname "$target")/.zmq-lab.XXXXXX")
  cat >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$target"
}
# Removes the trixie source and pin again when the install does not finish (a failure, Ctrl+C).
undo_trixie() {
  rm -f "$trixie_source" "$trixie_pin"
  say "removed $trixie_source and $trixie_pin again: the install did not finish"
}

install_toolchain() {
  local how="Install Docker Engine with compose v2 (https://docs.docker.com/engine/install/), start it, then rerun."
  [ "$(id -u)" = 0 ] || die "missing: $(missing). The automatic install needs root. $how"
  grep -qs '^ID=debian' /etc/os-release || die "missing: $(missing). The automatic install is for Debian only. $how"
  if docker_ce_installed; then
    die "missing: $(missing). Docker's own packages (docker-ce, containerd.io) are installed, and Debian's docker.io would replace them, so the setup installs nothing. Add the plugins from Docker's repository instead: apt-get install docker-compose-plugin docker-buildx-plugin (https://docs.docker.com/engine/install/debian/), start the engine, then rerun."
  fi
  export DEBIAN_FRONTEND=noninteractive
  # The engine from bookworm only where there is none: Debian's docker.io, never over another one.
  local packages=(docker-compose docker-buildx debootstrap iptables ca-certificates)
  command -v dockerd >/dev/null || packages=(docker.io "${packages[@]}")
  local mirror; mirror=$(debian_mirror)
  say "Debian mirror: $mirror"
  trap undo_trixie EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # Trixie only for compose v2 and buildx; everything else stays on bookworm.
  write_atomically "$trixie_source" <<SRC
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  write_atomically "$trixie_pin" <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 1

Package: docker-compose docker-buildx
Pin: release n=trixie
Pin-Priority: 990
PIN
  say "apt-get update"
  timeout 300 apt-get update -qq
  say "installing ${packages[*]} (docker-compose and docker-buildx from trixie)"
  timeout 600 apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  trap - EXIT INT TERM
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

# The stand-in's Node and npm: exact versions, each checked against a pinned hash before use.
node_version=24.21.0
# sha256 of node-v24.21.0-linux-<cpu>.tar.xz, from https://nodejs.org/dist/v24.21.0/SHASUMS256.txt
node_sha256_x64=fd8e59d5a511510f6a298afb548f18c7d2b1be404d8b4a27d94fbe49f56cb2d6
node_sha256_arm64=6ad1325edbdb5649c379b75a237147a666c95d4f9ae8d340fef2d1575d289ad2
# Where nodejs.org can't be reached: the same release as npm's node-linux-<cpu> package, checked
# against the registry's integrity for that version (sha512, in hex).
node_npm_sha512_x64=de750bb336795f47dc898a46d2de93add029273027f3e16520d3fa3a2317ed5f07aefa404cf37ddfa5352e545e389ae22d16b87bcc84a900580a72f23cd02ced
node_npm_sha512_arm64=1692513c4cf63afbd32df8c83a5346158f492cf30a825e66f9de2819804b836e242759a6bcdd5997f1cf2601781c3689e752127afd65d5c459fc333e91e5d6e6
npm_version=11.21.2
npm_sha512=ec73c0a64f807e53146af4ac78bd4f9ba0a762a3081e4e77c7e2a6ba1aa64c3a8f9233cc8312294cf713aac13dd4428dc3880504957d7e75e249d1a6d435eaf4

# Stops unless `file` has the pinned hash; a mismatch is never retried another way.
check_hash() {
  local algo=$1 want=$2 file=$3 got
  got=$("${algo}sum" "$file" | cut -d' ' -f1)
  [ "$got" = "$want" ] || die "$(basename "$file"): $algo $got, expected the pinned $want; not using it"
}

# Unpacks Node $node_version for `cpu` into `dir` (bin/node at its top): the official tarball from
# nodejs.org, else npm's repackaging of it, each checked against its pinned hash.
fetch_node() {
  local cpu=$1 work=$2 dir=$3 sha256 sha512 url
  sha256=node_sha256_$cpu sha512=node_npm_sha512_$cpu
  url=https://nodejs.org/dist/v$node_version/node-v$node_version-linux-$cpu.tar.xz
  mkdir -p "$dir"
  say "fetching Node $node_version from nodejs.org"
  if timeout 300 curl -fsSL --connect-timeout 10 -o "$work/node.tar.xz" "$url" 2>"$work/curl.log"; then
    check_hash sha256 "${!sha256}" "$work/node.tar.xz"
    tar -xJf "$work/node.tar.xz" -C "$dir" --strip-components=1
    return
  fi
  local reason; reason=$(tail -n 1 "$work/curl.log")
  say "nodejs.org can't be reached (${reason:-no answer}); fetching node-linux-$cpu@$node_version with npm pack"
  (cd "$work" && timeout 300 npm pack --silent "node-linux-$cpu@$node_version" >/dev/null)
  check_hash sha512 "${!sha512}" "$work/node-linux-$cpu-$node_version.tgz"
  tar -xzf "$work/node-linux-$cpu-$node_version.tgz" -C "$dir" --strip-components=1
}

# A registry-free equivalent of node:24-bookworm-slim: debootstrap + Node and npm, pinned and checked.
build_local_base() {
  # Node is built per CPU; the stand-in is made for x64 and arm64 hosts.
  local node_arch
  case $(uname -m) in
    x86_64 | amd64) node_arch=x64 ;;
    aarch64 | arm64) node_arch=arm64 ;;
    *) die "the local stand-in base image can be built for x64 or arm64 only, and this machine is $(uname -m). Set NODE_IMAGE (shell or .env) to a Node 24 image for this CPU, then rerun." ;;
  esac
  local work; work=$(mktemp -d)
  local root="$work/rootfs"
  # The work folder (a whole root file system) goes whether the build ends well or not.
  trap "rm -rf '$work'" EXIT
  say "debootstrap --variant=minbase bookworm (about a minute)"
  timeout 600 debootstrap --variant=minbase bookworm "$root" "$(debian_mirror)" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  fetch_node "$node_arch" "$work" "$work/node"
  say "fetching npm $npm_version with npm pack"
  (cd "$work" && timeout 300 npm pack --silent "npm@$npm_version" >/dev/null)
  check_hash sha512 "$npm_sha512" "$work/npm-$npm_version.tgz"
  mkdir -p "$root/usr/local/lib/node_modules/npm"
  install -m 0755 "$work/node/bin/node" "$root/usr/local/bin/node"
  tar -xzf "$work/npm-$npm_version.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
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
  trap - EXIT
  local version; version=$(docker run --rm "$local_image" node --version || true)
  [ "$version" = "v$node_version" ] || die "the stand-in's node says ${version:-nothing}, expected v$node_version"
  say "base image: node $version"
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
