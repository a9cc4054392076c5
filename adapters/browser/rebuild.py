"""Rebuild only the app's own wheel in a built bundle: the development loop's step.

A full build re-extracts the runtime and re-reads every dependency wheel; after an edit to
the app's code only ``app-code`` changes. Its name carries a hash of its files, so the
bundle gets a new wheel file, a new lockfile entry and a new ``build`` id, and the service
worker's update copies every other file from the build it already holds.

Only bundles without a memory snapshot qualify: a snapshot holds the interpreter's memory
after the imports, so any code change needs a new one (a full build).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .appcode import app_code_names, app_python_files, gitignore_of
from .errors import BuildError
from .markers import canonical
from .shipped import app_imports_of_package
from .wheels import APP_DISTRIBUTION, app_wheel, read_wheel

MANIFEST = "bundle.json"


class NeedsFullBuild(BuildError):
    """The edit changes more than the app's wheel: the adapters modules it imports."""


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` in one step: a server answering meanwhile sends the old file or
    the new one, never half of either."""
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def rebuild_app_code(
    out: Path, source: Path, include: tuple[str, ...] | list[str] = ()
) -> dict[str, Any] | None:
    """Repack the app's code from ``source`` into the bundle at ``out``.

    Returns the new manifest, or None when the app's wheel came out the same (an edit to a
    file the app does not ship, or one undone). Raises BuildError for a bundle this cannot
    update, or app code that does not build.
    """
    from .bundle import add_build_identity, check_app

    manifest_path = out / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BuildError(
            f"{manifest_path} cannot be read ({error}): build the bundle first"
        ) from None
    if manifest.get("snapshot"):
        raise BuildError("a bundle with a snapshot needs a full build after every change")
    module, _ = check_app(manifest["app"], source)
    lock_path = out / manifest["pyodide"]["lockfile"]
    lock: dict[str, Any] = json.loads(lock_path.read_text(encoding="utf-8"))
    key = canonical(APP_DISTRIBUTION)
    if key not in lock["packages"]:
        raise BuildError(f"{lock_path} has no {APP_DISTRIBUTION} entry: build the bundle first")
    old_entry = lock["packages"][key]
    provided = {
        name
        for other, entry in lock["packages"].items()
        if other != key
        for name in entry.get("imports", [])
    }
    names, _ = app_code_names(source, module, include)
    imports = sorted(app_imports_of_package(app_python_files(source, names), "adapters"))
    if imports != manifest["app_code"].get("adapters_imports", []):
        raise NeedsFullBuild("the app now imports other adapters modules: a full build")
    runtime = lock_path.parent
    with tempfile.TemporaryDirectory() as scratch:
        built, top_level = app_wheel(Path(scratch), source, provided, names, gitignore_of(source))
        if module.split(".")[0] not in top_level:
            raise BuildError(f"{module!r} is not in the app code taken from {source}")
        if built.name == old_entry["file_name"]:
            return None
        wheel = read_wheel(built)
        target = runtime / built.name
        shutil.copyfile(built, target)
    lock["packages"][key] = {
        **old_entry,
        "version": wheel.version,
        "file_name": target.name,
        "sha256": wheel.sha256,
        "imports": wheel.imports,
    }
    write_atomically(lock_path, json.dumps(lock, indent=1) + "\n")
    old_file = f"{manifest['pyodide']['index']}{old_entry['file_name']}"
    for entry in manifest["wheels"]:
        if canonical(entry["name"]) == key:
            entry.update(
                version=wheel.version,
                file=f"{manifest['pyodide']['index']}{target.name}",
                sha256=wheel.sha256,
                size=target.stat().st_size,
            )
    manifest["app_code"]["top_level"] = top_level
    add_build_identity(out, manifest)
    write_atomically(manifest_path, json.dumps(manifest, indent=1) + "\n")
    if old_file != f"{manifest['pyodide']['index']}{target.name}":
        (out / old_file).unlink(missing_ok=True)
    return manifest
