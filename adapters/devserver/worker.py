"""A function's own process for `adapters serve`: one invocation at a time over pipes.

Each function gets a process, as it gets a container on Lambda: its environment
variables and imported modules are its own, and a code change restarts just it. The
protocol is one JSON line in (event, context fields) and one JSON line out. The real
stdout is kept for that; the app's own output (prints, logs, the access log) goes to
stderr, which the server passes to the terminal.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any

from ..cli.common import LocalContext, import_object


def main() -> int:
    spec = sys.argv[1]
    module, _, attribute = spec.rpartition(".")
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    sys.stdout = sys.stderr
    try:
        handler = import_object(f"{module}:{attribute}", os.getcwd())
    except Exception as error:
        failure = {"errorType": type(error).__name__, "errorMessage": str(error)}
        traceback.print_exc()
        protocol.write(json.dumps({"init_error": failure}) + "\n")
        return 1
    protocol.write(json.dumps({"ready": True}) + "\n")
    timeout = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "30"))
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
    for line in sys.stdin:
        message = json.loads(line)
        context = LocalContext(name, timeout)
        answer: dict[str, Any]
        try:
            answer = {"result": handler(message["event"], context)}
        except Exception as error:
            traceback.print_exc()
            answer = {"error": {"errorType": type(error).__name__, "errorMessage": str(error)}}
        protocol.write(json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
