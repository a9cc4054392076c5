# Sourced (not run) by the sam/docker scripts and read by tests/sam/docker_support.py.
# Keeps every `sam` command on this machine: no registry, no AWS, no telemetry.
# shellcheck shell=bash
_sam_env_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Private tool locations, all under the git-ignored .tools/.
export SAM_TOOLS_DIR="$_sam_env_root/.tools"
export SAM_VENV="$SAM_TOOLS_DIR/sam"
export SAM_BIN="$SAM_VENV/bin/sam"
export SAM_DOCKER_DIR="$SAM_TOOLS_DIR/docker"
# Our own dockerd (scripts/docker-up.sh), never the host's default socket.
export DOCKER_HOST="unix://$SAM_DOCKER_DIR/docker.sock"

# sam local calls STS GetCallerIdentity: send it to a closed local port, fail fast.
export AWS_ENDPOINT_URL_STS="http://127.0.0.1:9"
export AWS_EC2_METADATA_DISABLED=true
export AWS_MAX_ATTEMPTS=1
export SAM_CLI_TELEMETRY=0
export AWS_DEFAULT_REGION=us-east-1
export AWS_REGION=us-east-1
# Fake credentials so botocore never searches for real ones (and never finds any).
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
unset AWS_SESSION_TOKEN AWS_PROFILE
# sam build needs python3.12 on PATH (Runtime: python3.12). pyenv's shim fails unless
# 3.12 is selected, so scripts/install-sam.sh links the real binary into .tools/bin.
case ":$PATH:" in *":$SAM_TOOLS_DIR/bin:"*) ;; *) export PATH="$SAM_TOOLS_DIR/bin:$PATH" ;; esac
unset _sam_env_root
