#!/usr/bin/env bash
# Builds one service image from the repository root, as the workflows do:
#   scripts/images/build.sh <colyseus|bots> <tag>
# With NODE_IMAGE/BUILD_IMAGE set (scripts/images/local-base.sh prints them) it builds on those;
# else on the Dockerfile's pinned base. The classic builder: it is what runs here, and it ignores
# nothing the Dockerfiles need (no RUN --mount, no # syntax=).
set -euo pipefail
cd "$(dirname "$0")/../.."
service=${1:?usage: build.sh <colyseus|bots> <tag>}
tag=${2:?usage: build.sh <colyseus|bots> <tag>}
[ -f "backend/$service/Dockerfile" ] || { echo "build.sh: service=$service has no backend/$service/Dockerfile; expected colyseus or bots" >&2; exit 2; }
args=()
[ -n "${NODE_IMAGE:-}" ] && args+=(--build-arg "NODE_IMAGE=$NODE_IMAGE")
[ -n "${BUILD_IMAGE:-}" ] && args+=(--build-arg "BUILD_IMAGE=$BUILD_IMAGE")
log=$(mktemp)
if ! DOCKER_BUILDKIT=0 docker build "${args[@]}" -f "backend/$service/Dockerfile" -t "$tag" . > "$log" 2>&1; then
  echo "build.sh: docker build of $service failed: $(grep -v '^\s*$' "$log" | tail -n 1)" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
echo "[images] built $tag ($(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
