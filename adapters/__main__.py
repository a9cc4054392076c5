"""`python -m adapters` is the `adapters` command."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
