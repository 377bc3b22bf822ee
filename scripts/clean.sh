#!/usr/bin/env bash
# Removes what the lab left on this machine: `npm run clean [-- --all] [--dry-run]`.
# Scoped to this checkout's ZMQ_LAB_TAG (shell or .env, default latest), so another checkout's
# lab on the same engine is left alone:
#   - every container of the tag (every profile, the test, bench and tour projects; stopped first),
#   - their networks,
#   - the tag's images (the role image zmq-lab/roles:<tag>, the tutorial's zmq-lab/pyzmq:<tag>,
#     the bench anchors' zmq-lab/anchors:<tag>)
#     and their dangling predecessors,
#   - with --all, also the stand-in base image the setup built (shared by every checkout).
# --dry-run prints what it would remove and removes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

all=0
dry=0
for arg in "$@"; do
  case $arg in
    --all) all=1 ;;
    --dry-run) dry=1 ;;
    *) echo "usage: npm run clean [-- --all] [--dry-run]" >&2; exit 2 ;;
  esac
done

# The role image as compose resolves it, so ZMQ_LAB_TAG from .env counts too.
image=$(lab_compose config --images 2>/dev/null | grep '^zmq-lab/roles:' | head -n 1)
[ -n "$image" ] || image="zmq-lab/roles:${ZMQ_LAB_TAG:-latest}"
tag=${image#zmq-lab/roles:}
label="org.zmq-lab.tag=$tag"
stand_in=zmq-lab/node:24-bookworm-slim-local
removed=0

verb=removed
gone() {
  echo "$verb $1"
  removed=$((removed + 1))
}
act() { [ "$dry" = 1 ] || "$@" >/dev/null; }
[ "$dry" = 0 ] || { echo "clean: dry run, nothing is removed"; verb="would remove"; }
echo "clean: the lab's things for ZMQ_LAB_TAG=$tag"

# Containers: labelled with the tag, or running its image (one-off test containers, older runs).
containers=$( (docker ps -aq --filter "label=$label"; docker ps -aq --filter "ancestor=$image" 2>/dev/null) | sort -u)
projects=""
for id in $containers; do
  info=$(docker inspect -f '{{.Name}} {{index .Config.Labels "com.docker.compose.project"}}' "$id" 2>/dev/null) || continue
  read -r cname project <<<"$info"
  projects+="$project"$'\n'
  act docker stop -t 2 "$id"
  act docker rm -f "$id"
  gone "container ${cname#/}"
done

# Networks: labelled with the tag, or left by a compose project whose containers were just removed.
networks=$( {
  docker network ls -q --filter "label=$label"
  for project in $(sort -u <<<"$projects"); do docker network ls -q --filter "label=com.docker.compose.project=$project"; done
} | sort -u)
for id in $networks; do
  nname=$(docker network inspect -f '{{.Name}}' "$id" 2>/dev/null) || continue
  if [ "$dry" = 0 ] && ! docker network rm "$id" >/dev/null 2>&1; then
    echo "kept network $nname: still in use"
    continue
  fi
  gone "network $nname"
done

# Volumes: the disks of this tag's lab swarm nodes (npm run swarm, the swarm tests).
for id in $(docker volume ls -q --filter "label=$label"); do
  act docker volume rm -f "$id"
  gone "volume $id"
done

# Images: the tag's dangling builds, then its images by name (the role image even if an older
# build carries no label), then (--all) the stand-in.
for id in $(docker images -q --filter dangling=true --filter "label=$label" | sort -u); do
  act docker rmi "$id"
  gone "image $id (a dangling build of ZMQ_LAB_TAG=$tag)"
done
for ref in $( (docker images --filter "label=$label" --format '{{.Repository}}:{{.Tag}}' | grep -v '<none>'; echo "$image") | sort -u); do
  docker image inspect "$ref" >/dev/null 2>&1 || continue
  act docker rmi "$ref"
  gone "image $ref"
done
if [ "$all" = 1 ] && docker image inspect "$stand_in" >/dev/null 2>&1; then
  act docker rmi "$stand_in"
  gone "image $stand_in (the next setup pulls node:24-bookworm-slim or builds it again)"
fi
if [ "$all" = 1 ] && docker image inspect zmq-lab/swarm-node:local >/dev/null 2>&1; then
  act docker rmi zmq-lab/swarm-node:local
  gone "image zmq-lab/swarm-node:local (npm run swarm builds it again)"
fi
echo "clean: $verb $removed"
