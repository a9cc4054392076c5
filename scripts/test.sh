#!/usr/bin/env bash
# All the tests, with all their set-up, on a fresh machine (run as root: apt-get and a
# private Docker daemon). Installs the pinned tools, aws-sam-cli, Docker and Debian's
# Chromium when missing, builds the local Lambda base image, runs scripts/check.sh, and
# always stops the Docker daemon again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/install-sam.sh
trap 'bash scripts/docker-down.sh' EXIT
bash scripts/docker-up.sh
bash scripts/build-lambda-image.sh
if [ ! -x /usr/bin/chromium ]; then  # for tests/chromium/test_browser_chromium.py
  apt-get update && apt-get install -y chromium
fi
bash scripts/check.sh "$@"
