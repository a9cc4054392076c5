#!/usr/bin/env bash
# Put the AWS Lambda Runtime Interface Emulator (RIE) at .tools/rie/aws-lambda-rie.
# The RIE is a static binary shipped inside the aws-sam-cli wheel; we download that wheel
# (no dependencies, nothing installed) and unzip the one member. Instant when present.
set -euo pipefail
cd "$(dirname "$0")/.."
target=.tools/rie/aws-lambda-rie
if [ -x "$target" ]; then
  exit 0
fi
sam_version="${SAM_CLI_VERSION:-1.170.0}"
member=samcli/local/rapid/aws-lambda-rie-x86_64
case "$(uname -m)" in
  x86_64 | amd64) ;;
  aarch64 | arm64) member=samcli/local/rapid/aws-lambda-rie-arm64 ;;
  *) echo "install-rie.sh: no RIE binary for $(uname -m)" >&2; exit 1 ;;
esac
pip_python=.venv/bin/python
[ -x "$pip_python" ] || pip_python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$pip_python" -m pip download --quiet --disable-pip-version-check --no-deps \
  --only-binary=:all: --dest "$work" "aws-sam-cli==$sam_version"
wheel="$(ls "$work"/aws_sam_cli-*.whl)"
mkdir -p "$(dirname "$target")"
"$pip_python" - "$wheel" "$member" "$target.partial" <<'PY'
import shutil
import sys
import zipfile

wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive, archive.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
chmod +x "$target.partial"
mv "$target.partial" "$target"
echo "installed $target (from aws-sam-cli $sam_version)"
