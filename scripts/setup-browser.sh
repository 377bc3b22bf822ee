#!/usr/bin/env bash
# Makes sure the browser tests have a headless Chromium: the one on PATH, else Debian's `chromium`
# package installed with apt (as root, on Debian), the way setup-docker.sh installs Docker.
# Idempotent. Prints the browser's path as its last line: CHROMIUM_PATH=<path>.
set -euo pipefail

say() { echo "[setup-browser] $*" >&2; }
found() { command -v "${CHROMIUM_PATH:-chromium}" 2>/dev/null || command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null; }

if ! path=$(found); then
  how="Install Chromium (Debian: apt-get install chromium), or set CHROMIUM_PATH to a Chromium or Chrome executable."
  [ "$(id -u)" = 0 ] || { say "ERROR: no chromium on PATH; the automatic install needs root. $how"; exit 1; }
  grep -qs '^ID=debian' /etc/os-release || { say "ERROR: no chromium on PATH; the automatic install is for Debian only. $how"; exit 1; }
  say "installing Debian's chromium with apt (undo: apt-get remove chromium)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium >&2
  path=$(found) || { say "ERROR: apt installed chromium, but it is not on PATH"; exit 1; }
fi
say "using $path ($("$path" --version 2>/dev/null || echo "version unknown"))"
echo "CHROMIUM_PATH=$path"
