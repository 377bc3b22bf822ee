#!/usr/bin/env bash
# Builds the one role image, zmq-lab/roles:${ZMQ_LAB_TAG:-latest}: `bash scripts/image.sh [compose options]`.
# Every command that needs the image (lab, tour, test, bench) builds it here, always under the
# default project name: compose labels an image with the project that built it, so one name
# means one image, and a rebuild with nothing changed reuses it instead of leaving one dangling.
set -euo pipefail
cd "$(dirname "$0")/.."
exec docker compose --project-name zmq-lab "$@" build --quiet role-image
