#!/usr/bin/env bash
# Download the peers' source distributions from the package index, as a user would
# (pinned by hash in requirements/peer-suites.txt), and unpack their tests into
# .tools/peer-suites/<name>/. tests/peer_suites runs them against adapters.compat.
# Instant when already unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.tools/peer-suites
if [ -f "$out/.done" ] && cmp -s requirements/peer-suites.txt "$out/.done"; then
  exit 0
fi
rm -rf "$out" && mkdir -p "$out/sdists"
.venv/bin/python -m pip download --quiet --disable-pip-version-check --no-deps \
  --no-binary :all: --require-hashes -r requirements/peer-suites.txt -d "$out/sdists" \
  2> >(grep -v "^WARNING: Location" >&2)
for sdist in "$out"/sdists/*.tar.gz; do
  base="$(basename "$sdist" .tar.gz)"            # apig_wsgi-2.20.0, mangum-0.22.0
  name="${base%-*}"
  mkdir -p "$out/$name"
  # Only the tests and the pytest configuration: never the peer's own package, so the
  # suite can only import ours.
  tar -xzf "$sdist" -C "$out/$name" --strip-components=1 "$base/tests" "$base/pyproject.toml"
done
cp requirements/peer-suites.txt "$out/.done"
