"""The Pyodide release a bundle targets.

The runtime downloaded from npm, the wheels pip resolves from PyPI and the manifest must
all agree on one Pyodide version, its Python and its platform tag: they are set here.
"""

from __future__ import annotations

PYODIDE_VERSION = "314.0.7"
"""The npm ``pyodide`` release bundled: Python 3.14, ABI ``2026_0``."""
PYTHON_VERSION = "3.14"
PLATFORM_TAG = "pyemscripten_2026_0_wasm32"
ABI_TAGS = ("cp314", "abi3", "none")
