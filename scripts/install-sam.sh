#!/usr/bin/env bash
# Install aws-sam-cli into its own venv (.tools/sam): its many pinned dependencies must
# not leak into the project's .venv. Pinned by requirements/sam.txt (pip freeze output,
# generated here on first use, then committed). Re-running is a no-op when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/sam-env.sh
SAM_VERSION=1.170.0
constraints=requirements/sam.txt
stamp="$SAM_VENV/.installed"

# python3.12 for `sam build` (see sam-env.sh): pyenv's 3.12 build, else one on PATH.
mkdir -p "$SAM_TOOLS_DIR/bin"
if [ ! -x "$SAM_TOOLS_DIR/bin/python3.12" ]; then
  if command -v pyenv >/dev/null && py312="$(pyenv prefix 3.12 2>/dev/null)"; then
    py312="$py312/bin/python3.12"
  else
    py312="$(command -v python3.12)" || { echo "no python3.12 found" >&2; exit 1; }
  fi
  ln -sf "$py312" "$SAM_TOOLS_DIR/bin/python3.12"
fi

# Fast path: same constraints file as the last successful install.
want="$SAM_VERSION $(sha256sum "$constraints" 2>/dev/null | cut -d' ' -f1 || true)"
if [ -x "$SAM_BIN" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  ln -sf "$SAM_BIN" "$SAM_TOOLS_DIR/bin/sam"
  exit 0
fi

python_bin="${PYTHON:-python3.11}"
command -v "$python_bin" >/dev/null 2>&1 || python_bin=python3
[ -x "$SAM_VENV/bin/python" ] || "$python_bin" -m venv "$SAM_VENV"
pip=("$SAM_VENV/bin/python" -m pip --disable-pip-version-check --quiet)

if [ -f "$constraints" ]; then
  "${pip[@]}" install -c "$constraints" "aws-sam-cli==$SAM_VERSION"
else
  # First time only: resolve, then record the exact set for every later install.
  "${pip[@]}" install "aws-sam-cli==$SAM_VERSION"
  { echo "# aws-sam-cli and its dependencies, pinned: pip freeze of .tools/sam"
    echo "# (scripts/install-sam.sh; delete this file there to re-resolve)."
    "$SAM_VENV/bin/python" -m pip freeze --all --exclude pip --exclude setuptools --exclude wheel
  } > "$constraints"
fi
"$SAM_BIN" --version >/dev/null
# `sam` on PATH after `source scripts/sam-env.sh` (not the whole venv: its python would
# shadow the user's).
ln -sf "$SAM_BIN" "$SAM_TOOLS_DIR/bin/sam"
echo "$SAM_VERSION $(sha256sum "$constraints" | cut -d' ' -f1)" > "$stamp"
