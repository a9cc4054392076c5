#!/usr/bin/env bash
# Start a private Docker daemon for `sam local` (see ../shared/notes/offline-recipes.md, 2).
# Everything lives under .tools/docker; the daemon listens on a unix socket only and does
# not touch the host network (no iptables rules, no forwarding, no masquerading).
# Idempotent: exits at once when our daemon already answers.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sam-env.sh
d="$SAM_DOCKER_DIR"
pidfile="$d/dockerd.pid"

answers() { timeout 5 docker version >/dev/null 2>&1; }

if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && answers; then
  exit 0
fi

# docker.io gives dockerd (+containerd, runc); debootstrap builds the base image.
# policy-rc.d (present on these machines) keeps apt from starting the system daemon.
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io debootstrap >/dev/null
fi

mkdir -p "$d"
rm -f "$pidfile" "$d/docker.sock"   # stale leftovers of a killed daemon
# setsid: the daemon must outlive this script (and not get its job-control signals).
# --ip: ports published without an address bind to 127.0.0.1, never to all interfaces.
setsid dockerd \
  --data-root "$d/data" --exec-root "$d/exec" --pidfile "$pidfile" \
  -H "$DOCKER_HOST" --iptables=false --ip-forward=false --ip-masq=false --ip 127.0.0.1 \
  >"$d/dockerd.log" 2>&1 </dev/null &

for _ in $(seq 1 120); do
  answers && exit 0
  sleep 0.5
done
echo "dockerd did not answer within 60 s; see $d/dockerd.log" >&2
tail -20 "$d/dockerd.log" >&2
exit 1
