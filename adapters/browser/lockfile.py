"""``pyodide-lock.json``: exactly the bundle's wheels, with dependencies for Pyodide.

``loadPackage`` follows each package's ``depends``; they come from the wheels'
Requires-Dist, markers evaluated for Pyodide and extras followed, so that loading the
app's packages never asks for a wheel the bundle does not hold.
"""

from __future__ import annotations

from typing import Any

from .errors import BuildError
from .markers import Requirement, evaluate_marker
from .wheels import Wheel


def resolve_depends(wheels: list[Wheel], roots: list[Requirement], env: dict[str, str]) -> None:
    """Fill each wheel's ``depends`` from its Requires-Dist, markers evaluated for Pyodide,
    with the extras asked for anywhere; fail on a dependency that is not in the bundle."""
    by_key = {wheel.key: wheel for wheel in wheels}
    extras: dict[str, set[str]] = {wheel.key: set() for wheel in wheels}
    for root in roots:
        if root.name in extras and (root.marker is None or evaluate_marker(root.marker, env)):
            extras[root.name] |= root.extras
    changed = True
    while changed:
        changed = False
        for wheel in wheels:
            depends: list[str] = []
            for requirement in wheel.requires:
                if requirement.marker and not evaluate_marker(
                    requirement.marker, env, extras[wheel.key]
                ):
                    continue
                if requirement.name not in by_key:
                    raise BuildError(
                        f"{wheel.name} {wheel.version} needs {requirement.name} in Pyodide, "
                        "but pip did not download it (pip evaluates markers for this machine, "
                        "not for Pyodide): add it with --requirement"
                    )
                if requirement.name not in depends:
                    depends.append(requirement.name)
                if not requirement.extras <= extras[requirement.name]:
                    extras[requirement.name] |= requirement.extras
                    changed = True
            wheel.depends = depends


def lockfile(info: dict[str, Any], wheels: list[Wheel]) -> dict[str, Any]:
    """A pyodide-lock.json listing exactly ``wheels``, by names relative to the lockfile."""
    packages = {
        wheel.key: {
            "name": wheel.name,
            "version": wheel.version,
            "file_name": wheel.path.name,
            "install_dir": "site",
            "sha256": wheel.sha256,
            "package_type": "package",
            "imports": wheel.imports,
            "depends": wheel.depends,
            "unvendored_tests": False,
            "tool": {},
        }
        for wheel in sorted(wheels, key=lambda w: w.key)
    }
    return {"info": info, "packages": packages}
