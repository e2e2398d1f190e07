#!/usr/bin/env bash
# Makes sure a Docker engine answers: uses one that already runs (another job on this machine may
# have started it), else starts Debian's dockerd the way this kind of machine allows it
# (../shared/FIELD-NOTES.md "Toolchain": no bridge, no iptables, vfs storage). Prints one line.
set -euo pipefail

if docker info > /dev/null 2>&1; then
  echo "[images] Docker engine already running ($(docker version --format '{{.Server.Version}}'))"
  exit 0
fi
if ! command -v dockerd > /dev/null; then
  echo "[images] no Docker engine: dockerd is not installed (Debian: apt-get install docker.io)" >&2
  exit 1
fi
log=${DOCKERD_LOG:-/tmp/dockerd.log}
# setsid: the engine outlives this script and is not killed with its process group.
setsid dockerd --storage-driver=vfs --iptables=false --bridge=none > "$log" 2>&1 < /dev/null &
for _ in $(seq 1 60); do
  if docker info > /dev/null 2>&1; then
    echo "[images] Docker engine started ($(docker version --format '{{.Server.Version}}'), log $log)"
    exit 0
  fi
  sleep 1
done
echo "[images] no Docker engine: dockerd did not answer within 60 s ($(tail -n 1 "$log"))" >&2
exit 1
