"""``python -m adapters.browser build APP --out DIR``: see adapters/browser/bundle.py."""

from __future__ import annotations

import sys

from .bundle import main

sys.exit(main())
