"""Notice edits to the app's files by polling: no dependency, same on every platform.

A poll lists the folder's files with their modification time and size, and skips what is
never the app's code (hidden folders, ``__pycache__``, virtual environments,
``node_modules``, the bundle being written). An app folder of a few hundred files takes
about a millisecond to list, so polling a few times a second costs nothing noticeable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

FileState = dict[str, tuple[int, int]]
"""path -> (mtime in ns, size)"""

SKIPPED_FOLDERS = frozenset({"__pycache__", "node_modules"})
SKIPPED_SUFFIXES = (".pyc", ".pyo", "~", ".swp")
MAX_FILES = 20_000
"""A folder with more files than this is not an app's code (a home folder given as
--path): the watch stops listing there rather than spend seconds on every poll."""


def folder_state(root: Path, skip: Iterable[Path] = ()) -> FileState:
    """The files under ``root`` that may be the app's code or data, with their stamps."""
    skipped = {os.path.realpath(path) for path in skip}
    state: FileState = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [
            name
            for name in dirs
            if not name.startswith(".")
            and name not in SKIPPED_FOLDERS
            and not os.path.exists(os.path.join(folder, name, "pyvenv.cfg"))
            and os.path.realpath(os.path.join(folder, name)) not in skipped
        ]
        for name in files:
            if (name.startswith(".") and name != ".gitignore") or name.endswith(SKIPPED_SUFFIXES):
                continue
            path = os.path.join(folder, name)
            try:
                stat = os.stat(path)
            except OSError:  # removed while listing
                continue
            state[path] = (stat.st_mtime_ns, stat.st_size)
            if len(state) >= MAX_FILES:
                return state
    return state


def files_state(paths: Iterable[Path]) -> FileState:
    """The stamps of single files (requirements files); a missing one counts as (0, -1)."""
    state: FileState = {}
    for path in paths:
        try:
            stat = path.stat()
            state[str(path)] = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            state[str(path)] = (0, -1)
    return state


def changed(before: FileState, after: FileState) -> list[str]:
    """The paths added, removed or modified, sorted."""
    return sorted(
        path for path in before.keys() | after.keys() if before.get(path) != after.get(path)
    )
