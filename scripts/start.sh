#!/usr/bin/env bash
# The main job: the example notes app both ways, with every URL printed:
#  - through `adapters serve`: the SAM template's HTTP APIs, REST APIs and Function URLs
#    on 127.0.0.1:3000-3007, each request turned into the event its front door sends (the
#    streaming function's REST API and Function URL stream, as on Lambda);
#  - as the browser bundle on 127.0.0.1:8000: the same Flask app in Pyodide, served by a
#    service worker (index.html) and in a PyScript page (pyscript.html).
# Ctrl+C stops both servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
mkdir -p .tools
secret_file=.tools/session-secret
if [ ! -s "$secret_file" ]; then
  .venv/bin/python -c "import secrets; print(secrets.token_hex(32))" > "$secret_file"
fi
echo "Building the browser bundle (the first build downloads Pyodide and the app's wheels)..."
snapshot=()
if command -v node >/dev/null; then
  snapshot=(--snapshot)  # a memory snapshot: the worker boots in about a third of the time
fi
.venv/bin/python -m adapters browser build notes.flask_app:app --path lambda \
  --requirements-file lambda/requirements.txt --out .tools/site --pyscript \
  --secret-env SESSION_SECRET "${snapshot[@]}"

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; }
trap stop EXIT INT TERM
.venv/bin/python -m adapters serve template.yaml --port "${PORT:-3000}" \
  --parameter-overrides "SessionSecret=$(cat "$secret_file")" &
pids+=($!)
.venv/bin/python -m adapters browser serve .tools/site --port "${BROWSER_PORT:-8000}" &
pids+=($!)
sleep 2
cat <<TXT

The example app, both ways:
  through adapters serve:   the URLs listed above (HTTP API, REST API, Function URL per app)
  in the browser:           http://127.0.0.1:${BROWSER_PORT:-8000}/index.html
  in a PyScript page:       http://127.0.0.1:${BROWSER_PORT:-8000}/pyscript.html
Ctrl+C to stop.
TXT
wait "${pids[@]}"
