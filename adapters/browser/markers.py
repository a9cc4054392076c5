"""Requirements and PEP 508 environment markers, evaluated for Pyodide, not this machine.

pip resolves on the build machine, but the bundle runs in Pyodide (``sys_platform ==
"emscripten"``): the lockfile's dependencies come from each wheel's Requires-Dist with
the markers evaluated here, for Pyodide. The reading and the evaluation are
``packaging``'s (the maintained implementation pip vendors; the ``browser-build`` extra);
this module only supplies Pyodide's marker environment, every variable of it, so that
nothing of the build machine leaks in, and turns packaging's errors into BuildError.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import BuildError

if TYPE_CHECKING:
    from packaging.markers import Marker

_NEEDS_PACKAGING = (
    "the browser bundle builder needs `packaging` (and `pathspec`): "
    "pip install 'webapp-adapters[browser-build]'"
)


def canonical(name: str) -> str:
    """The PEP 503 form of a distribution name: the lockfile's keys."""
    try:
        from packaging.utils import canonicalize_name
    except ImportError:
        raise BuildError(_NEEDS_PACKAGING) from None
    return str(canonicalize_name(name))


def marker_environment(python_full_version: str, emscripten_version: str = "") -> dict[str, str]:
    """The marker variables as Pyodide reports them (``sys.platform == "emscripten"``;
    ``platform.release()`` is the Emscripten version)."""
    major_minor = ".".join(python_full_version.split(".")[:2])
    return {
        "python_version": major_minor,
        "python_full_version": python_full_version,
        "implementation_version": python_full_version,
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "emscripten",
        "platform_system": "Emscripten",
        "platform_machine": "wasm32",
        "platform_release": emscripten_version,
        "platform_version": "#1",
        "os_name": "posix",
    }


@functools.lru_cache(maxsize=4096)  # the same markers recur across a bundle's wheels
def _marker(text: str) -> Marker:
    try:
        from packaging.markers import InvalidMarker, Marker
    except ImportError:
        raise BuildError(_NEEDS_PACKAGING) from None
    try:
        return Marker(text)
    except InvalidMarker as error:
        raise BuildError(f"cannot evaluate the environment marker {text!r}: {error}") from None


def evaluate_marker(marker: str, env: dict[str, str], extras: Iterable[str] = ()) -> bool:
    """Whether ``marker`` holds in Pyodide with any of ``extras`` asked for (or none)."""
    from packaging.markers import UndefinedComparison, UndefinedEnvironmentName

    parsed = _marker(marker)
    try:
        return any(
            parsed.evaluate({**env, "extra": extra}) for extra in ["", *map(canonical, extras)]
        )
    except (UndefinedComparison, UndefinedEnvironmentName) as error:
        raise BuildError(f"cannot evaluate the environment marker {marker!r}: {error}") from None


@dataclass(frozen=True)
class Requirement:
    name: str
    extras: frozenset[str]
    marker: str | None


def parse_requirement(text: str) -> Requirement:
    try:
        from packaging.requirements import InvalidRequirement
        from packaging.requirements import Requirement as Parsed
    except ImportError:
        raise BuildError(_NEEDS_PACKAGING) from None
    try:
        parsed = Parsed(text)
    except InvalidRequirement as error:
        raise BuildError(f"cannot read the requirement {text!r}: {error}") from None
    marker = str(parsed.marker) if parsed.marker is not None else None
    return Requirement(canonical(parsed.name), frozenset(map(canonical, parsed.extras)), marker)
