#!/usr/bin/env bash
# Builds the lab's images: `bash scripts/image.sh [compose options]`. Without a --profile that is
# the one role image, zmq-lab/roles:${ZMQ_LAB_TAG:-latest} (compose.yaml's role-image, in no
# profile); the tests add --profile '*' for the images of other profiles (the pyzmq tutorial's).
# Every command that needs an image (lab, tour, test, bench) builds it here, always under the
# default project name: compose labels an image with the project that built it, so one name
# means one image, and a rebuild with nothing changed reuses it instead of leaving one dangling.
set -euo pipefail
cd "$(dirname "$0")/.."
exec docker compose --project-name zmq-lab "$@" build --quiet
