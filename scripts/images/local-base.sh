#!/usr/bin/env bash
# Makes the Node 26 base images the Dockerfiles build on where no registry is reachable (this kind
# of machine and its CI; README, "The images"), and prints the build arguments:
#   NODE_IMAGE=codeclashers-local/node:<version>          the run stage: Debian bookworm minbase,
#                                                          Node and npm, user node (uid 1000)
#   BUILD_IMAGE=codeclashers-local/node-build:<version>-<lock hash>   the same plus an npm cache
#                                                          of package-lock.json and offline=true,
#                                                          so the builds' `npm ci` works offline
# Node is the binary of the npm package node@26 (node_modules/node, installed by the root npm ci),
# npm the one this machine runs. Each piece is kept and reused when already there:
# the debootstrap tarball in $IMAGES_CACHE, the images in the engine.
set -euo pipefail
cd "$(dirname "$0")/../.."

cache=${IMAGES_CACHE:-$HOME/.cache/codeclashers-images}
mkdir -p "$cache"
node_bin=$(readlink -f node_modules/node/bin/node)
node_version=$("$node_bin" --version | sed 's/^v//')
npm_dir=$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")
lock_hash=$(sha256sum < package-lock.json | cut -c1-12) # the lockfile alone decides the packages
node_image=codeclashers-local/node:$node_version
build_image=codeclashers-local/node-build:$node_version-$lock_hash
log() { echo "[images] $*" >&2; }

# libatomic1: the Node 26 binary links it (the official image has it too); minbase lacks it.
packages=libatomic1
rootfs_tar=$cache/bookworm-minbase-$packages.tar
if [ ! -s "$rootfs_tar" ]; then
  log "debootstrap bookworm minbase (once; kept in $rootfs_tar)"
  dir=$(mktemp -d)
  debootstrap --variant=minbase --include="$packages" bookworm "$dir" http://deb.debian.org/debian > "$cache/debootstrap.log" 2>&1 \
    || { log "debootstrap failed: $(tail -n 1 "$cache/debootstrap.log")"; exit 1; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc/* "$dir"/usr/share/man/*
  tar -C "$dir" -cf "$rootfs_tar.part" . && mv "$rootfs_tar.part" "$rootfs_tar"
  rm -rf "$dir"
fi

if ! docker image inspect "$node_image" > /dev/null 2>&1; then
  log "making $node_image"
  dir=$(mktemp -d)
  tar -C "$dir" -xf "$rootfs_tar"
  chmod 755 "$dir" # mktemp's 0700 would become the image's / and lock every non-root user out
  install -m 755 "$node_bin" "$dir/usr/local/bin/node"
  mkdir -p "$dir/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$dir/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
  # The official image's user: node, uid and gid 1000, home /home/node.
  echo 'node:x:1000:' >> "$dir/etc/group"
  echo 'node:x:1000:1000::/home/node:/bin/bash' >> "$dir/etc/passwd"
  echo 'node:*:20000:0:99999:7:::' >> "$dir/etc/shadow"
  mkdir -p "$dir/home/node" && chown 1000:1000 "$dir/home/node"
  tar -C "$dir" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$node_version" \
    --change 'CMD ["node"]' - "$node_image" > /dev/null
  rm -rf "$dir"
fi

if ! docker image inspect "$build_image" > /dev/null 2>&1; then
  log "making $build_image (npm cache of package-lock.json)"
  dir=$(mktemp -d)
  mkdir -p "$dir/ws"
  cp package.json package-lock.json "$dir/ws/"
  for pkg in backend/*/package.json; do mkdir -p "$dir/ws/$(dirname "$pkg")"; cp "$pkg" "$dir/ws/$pkg"; done
  # Every package the workspaces' builds install, fetched once into a cache kept across runs.
  (cd "$dir/ws" && npm ci --workspaces --include=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
    --cache "$cache/npm-cache" --prefer-offline > /dev/null)
  mkdir -p "$dir/ctx"
  cp -a "$cache/npm-cache" "$dir/ctx/npm-cache"
  printf 'cache=/opt/npm-cache\noffline=true\n' > "$dir/ctx/npmrc"
  printf 'FROM %s\nCOPY npm-cache /opt/npm-cache\nCOPY npmrc /usr/local/etc/npmrc\n' "$node_image" > "$dir/ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "$build_image" "$dir/ctx" > /dev/null
  rm -rf "$dir"
  # Build bases of older lockfiles: each holds a whole npm cache.
  docker images --format '{{.Repository}}:{{.Tag}}' codeclashers-local/node-build | grep -vxF "$build_image" | xargs -r docker rmi > /dev/null || true
fi

echo "NODE_IMAGE=$node_image"
echo "BUILD_IMAGE=$build_image"
