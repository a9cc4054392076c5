from __future__ import annotations

import sys

from .example_app import LAMBDA_DIR
from .node.pyodide_node import notes_bundle  # noqa: F401 (a session fixture for every test file)

if str(LAMBDA_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDA_DIR))
