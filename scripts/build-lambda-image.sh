#!/usr/bin/env bash
# Build the Lambda python3.12 base image locally: no registry is reachable, so `sam local`
# (always with --skip-pull-image) must find public.ecr.aws/lambda/python:3.12-x86_64
# already in our private daemon. SAM then builds its own ...:3.12-rapid-x86_64 on top
# (adds the RIE at /var/rapid). See ../shared/notes/offline-recipes.md, section 2.
# Needs the daemon from scripts/docker-up.sh. Skips everything if the image exists.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sam-env.sh

# The name and tag samcli 1.170.0 derives for Runtime python3.12 on x86_64
# (samcli/local/docker/lambda_image.py: Runtime.get_image_name_tag, _INVOKE_REPO_PREFIX).
IMAGE=public.ecr.aws/lambda/python:3.12-x86_64
RIC_VERSION=4.2.2
SUITE=bookworm
# Shared libraries the pyenv-built CPython needs (_ssl, _ctypes, _sqlite3, readline, ...).
PKGS=ca-certificates,libssl3,libffi8,libsqlite3-0,libreadline8,libncursesw6,libexpat1,libgdbm6,libgdbm-compat4,libtirpc3,libbz2-1.0,liblzma5,zlib1g,libuuid1

# The bootstrap's version: an image made by an older script is made again.
IMAGE_VERSION=2
if [ "$(docker image inspect -f '{{index .Config.Labels "adapters.image-version"}}' "$IMAGE" 2>/dev/null)" = "$IMAGE_VERSION" ]; then
  exit 0
fi

cache="$SAM_TOOLS_DIR/lambda-image"
mkdir -p "$cache"
rootfs_tar="$cache/rootfs-$SUITE-$(echo "$PKGS" | sha256sum | cut -c1-12).tar"

# 1. Debian rootfs, cached: debootstrap is most of the build time.
if [ ! -f "$rootfs_tar" ]; then
  # The mirror apt already uses (the only Debian host reachable here): deb822 "URIs:"
  # or one-line "deb [opts] URI suite" entries; first one ending in /debian.
  # (|| true: cat fails on an unmatched glob, pipefail would end the script silently.)
  mirror="$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
      /etc/apt/sources.list.d/*.list 2>/dev/null || true; } \
    | sed -nE 's#^URIs:[[:space:]]*##p; s#^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?##p' \
    | tr ' ' '\n' | grep -E '^https?://.*/debian/?$' | sed -n 1p || true)"
  [ -n "$mirror" ] || { echo "no Debian mirror found in /etc/apt/sources.list*" >&2; exit 1; }
  tmp="$(mktemp -d "$cache/debootstrap.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  debootstrap --variant=minbase --include="$PKGS" "$SUITE" "$tmp/rootfs" "$mirror" \
    >"$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  # Docker supplies /dev, /proc, /sys; drop apt lists and docs nobody needs in a runtime.
  rm -rf "$tmp/rootfs"/var/lib/apt/lists/* "$tmp/rootfs"/var/cache/apt/* \
    "$tmp/rootfs"/usr/share/{doc,man,info}
  tar -C "$tmp/rootfs" --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* \
    -cf "$rootfs_tar.part" .
  mv "$rootfs_tar.part" "$rootfs_tar"
  rm -rf "$tmp"; trap - EXIT
fi

# 2. Add CPython 3.12 and the runtime client on top of a fresh copy of the rootfs.
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"
tar -C "$root" -xf "$rootfs_tar"

# pyenv's build hard-codes its prefix, so it goes to the same path inside the image;
# /var/lang (Lambda's Python location) links to it. Tests, IDLE, tkinter, the static
# library and this machine's sitecustomize .pth files are left out.
py="${PYTHON312:-python3.12}"  # .tools/bin/python3.12, made by scripts/install-sam.sh
prefix="$("$py" -c 'import sys; assert sys.version_info[:2] == (3, 12); print(sys.base_prefix)')"
tar -C / -cf - \
  --exclude="${prefix#/}/lib/python3.12/test" --exclude="${prefix#/}/lib/python3.12/idlelib" \
  --exclude="${prefix#/}/lib/python3.12/tkinter" --exclude="${prefix#/}/lib/python3.12/config-3.12-*" \
  --exclude="${prefix#/}/lib/python3.12/site-packages/*.pth" \
  "${prefix#/}" | tar -C "$root" -xf -
rm -rf "$root/var/lang"; ln -s "$prefix" "$root/var/lang"

python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location --root-user-action=ignore \
  --target "$root/var/runtime" --python-version 3.12 --only-binary=:all: \
  --platform manylinux2014_x86_64 "awslambdaric==$RIC_VERSION" 2>&1 | grep -v 'is ignored' >&2 || true
[ -d "$root/var/runtime/awslambdaric" ] || { echo "awslambdaric install failed" >&2; exit 1; }

# The RIE (added by SAM) runs /var/runtime/bootstrap with the handler in _HANDLER.
mkdir -p "$root/var/task" "$root/opt"
cat > "$root/var/runtime/bootstrap" <<'BOOT'
#!/bin/sh
# Lambda python3.12 runtime: the handler module is imported from the task root (cwd).
export AWS_EXECUTION_ENV=AWS_Lambda_python3.12
export PYTHONPATH="/opt/python/lib/python3.12/site-packages:/opt/python:/var/runtime${PYTHONPATH:+:$PYTHONPATH}"
cd "${LAMBDA_TASK_ROOT:-/var/task}"
# As the managed runtime does: a wrapper named by AWS_LAMBDA_EXEC_WRAPPER is started with
# the interpreter and the runtime's own arguments ("Modifying the runtime environment").
if [ -n "${AWS_LAMBDA_EXEC_WRAPPER:-}" ]; then
  exec "$AWS_LAMBDA_EXEC_WRAPPER" /var/lang/bin/python3.12 -m awslambdaric "$_HANDLER"
fi
exec /var/lang/bin/python3.12 -m awslambdaric "$_HANDLER"
BOOT
chmod 755 "$root/var/runtime/bootstrap"

# 3. Import as the image SAM expects (docker import: no registry, no Dockerfile).
tar -C "$root" -cf - . | docker import \
  -c 'ENV LANG=C.UTF-8 TZ=:UTC LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime' \
  -c 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin:/opt/bin' \
  -c 'ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib' \
  -c 'WORKDIR /var/task' -c 'ENTRYPOINT ["/var/runtime/bootstrap"]' \
  -c "LABEL adapters.image-version=$IMAGE_VERSION" \
  - "$IMAGE" >/dev/null
# SAM reuses its ...:3.12-rapid-x86_64 (base + RIE) while it exists: drop a stale one.
docker rmi -f "${IMAGE%-x86_64}-rapid-x86_64" >/dev/null 2>&1 || true
echo "built $IMAGE"
