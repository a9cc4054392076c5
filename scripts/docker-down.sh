#!/usr/bin/env bash
# Stop the private Docker daemon started by scripts/docker-up.sh, by its pid file only,
# after removing any containers left behind (e.g. by warm `sam local start-api`).
# Idempotent: does nothing when the daemon is not running.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sam-env.sh
pidfile="$SAM_DOCKER_DIR/dockerd.pid"

if [ -f "$pidfile" ] && pid="$(cat "$pidfile")" && kill -0 "$pid" 2>/dev/null; then
  ids="$(timeout 20 docker ps -aq 2>/dev/null || true)"
  [ -z "$ids" ] || timeout 60 docker rm -f $ids >/dev/null 2>&1 || true
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
rm -f "$pidfile" "$SAM_DOCKER_DIR/docker.sock"
# dockerd creates the docker0 bridge and leaves it behind.
if ip link show docker0 >/dev/null 2>&1; then ip link delete docker0; fi
