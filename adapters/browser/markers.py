"""Requirements and PEP 508 environment markers, evaluated for Pyodide, not this machine.

pip resolves on the build machine, but the bundle runs in Pyodide (``sys_platform ==
"emscripten"``): the lockfile's dependencies come from each wheel's Requires-Dist with
the markers evaluated here, for Pyodide. Standard library only (no ``packaging``): the
builder needs nothing installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import BuildError


def canonical(name: str) -> str:
    """The PEP 503 form of a distribution name: the lockfile's keys."""
    return re.sub(r"[-_.]+", "-", name).lower()


_MARKER_TOKEN = re.compile(
    r"""\s*(?:(?P<string>'[^']*'|"[^"]*")|(?P<op>===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)"""
    r"""|(?P<paren>[()])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"""
)
_VERSION_VARIABLES = frozenset({"python_version", "python_full_version", "implementation_version"})


def marker_environment(python_full_version: str) -> dict[str, str]:
    """The marker variables as Pyodide reports them (``sys.platform == "emscripten"``)."""
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
        "os_name": "posix",
    }


def _version(text: str) -> tuple[int, ...] | None:
    return (
        tuple(int(part) for part in text.split(".")) if re.fullmatch(r"\d+(\.\d+)*", text) else None
    )


def _compare_versions(left: tuple[int, ...], op: str, right: tuple[int, ...]) -> bool:
    width = max(len(left), len(right))
    a, b = left + (0,) * (width - len(left)), right + (0,) * (width - len(right))
    if op == "~=":
        return len(right) > 1 and a >= b and left[: len(right) - 1] == right[:-1]
    return {
        "==": a == b,
        "===": a == b,
        "!=": a != b,
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
    }[op]


class _MarkerParser:
    def __init__(self, marker: str, env: dict[str, str], extras: frozenset[str]) -> None:
        self.marker, self.env, self.extras = marker, env, extras
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(marker):
            if marker[position:].strip() == "":
                break
            match = _MARKER_TOKEN.match(marker, position)
            if match is None or match.lastgroup is None:
                raise self.error(f"cannot read it at {marker[position:]!r}")
            self.tokens.append((match.lastgroup, match.group(match.lastgroup)))
            position = match.end()
        self.index = 0

    def error(self, why: str) -> BuildError:
        return BuildError(f"cannot evaluate the environment marker {self.marker!r}: {why}")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise self.error("it ends too early")
        self.index += 1
        return token

    def parse(self) -> bool:
        result = self.expression()
        extra = self.peek()
        if extra is not None:
            raise self.error(f"unexpected {extra[1]!r}")
        return result

    def expression(self) -> bool:
        result = self.conjunction()
        while self.peek() == ("word", "or"):
            self.take()
            right = self.conjunction()
            result = result or right
        return result

    def conjunction(self) -> bool:
        result = self.atom()
        while self.peek() == ("word", "and"):
            self.take()
            right = self.atom()
            result = result and right
        return result

    def atom(self) -> bool:
        if self.peek() == ("paren", "("):
            self.take()
            result = self.expression()
            if self.take() != ("paren", ")"):
                raise self.error("a parenthesis is not closed")
            return result
        left = self.take()
        kind, op = self.take()
        if kind != "op":
            raise self.error(f"expected a comparison, found {op!r}")
        return self.compare(left, " ".join(op.split()), self.take())

    def compare(self, left: tuple[str, str], op: str, right: tuple[str, str]) -> bool:
        variable = next((value for kind, value in (left, right) if kind == "word"), None)
        if variable == "extra":
            other = right if left[0] == "word" else left
            if op not in ("==", "!="):
                raise self.error(f"{op} on extra")
            found = canonical(other[1][1:-1]) in self.extras
            return found if op == "==" else not found
        a, b = self.value(left), self.value(right)
        if op in ("in", "not in"):
            return (a in b) == (op == "in")
        if variable in _VERSION_VARIABLES:
            if op in ("==", "!=") and b.endswith(".*"):
                prefix = _version(b[:-2])
                value = _version(a)
                if prefix is not None and value is not None:
                    return (value[: len(prefix)] == prefix) == (op == "==")
            va, vb = _version(a), _version(b)
            if va is not None and vb is not None:
                return _compare_versions(va, op, vb)
            raise self.error(f"cannot compare versions {a!r} {op} {b!r}")
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        raise self.error(f"{op} on strings")

    def value(self, token: tuple[str, str]) -> str:
        kind, text = token
        if kind == "string":
            return text[1:-1]
        if kind == "word" and text in self.env:
            return self.env[text]
        raise self.error(f"{text!r} is not known for Pyodide")


def evaluate_marker(marker: str, env: dict[str, str], extras: Iterable[str] = ()) -> bool:
    """Evaluate a PEP 508 marker; raise BuildError on anything it cannot decide."""
    return _MarkerParser(marker, env, frozenset(canonical(e) for e in extras)).parse()


@dataclass(frozen=True)
class Requirement:
    name: str
    extras: frozenset[str]
    marker: str | None


_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[(?P<extras>[^\]]*)\])?"
    r"(?P<rest>[^;]*)(?:;(?P<marker>.*))?$"
)


def parse_requirement(text: str) -> Requirement:
    match = _REQUIREMENT.match(text)
    if match is None:
        raise BuildError(f"cannot read the requirement {text!r}")
    extras = frozenset(
        canonical(e.strip()) for e in (match["extras"] or "").split(",") if e.strip()
    )
    marker = match["marker"].strip() if match["marker"] else None
    return Requirement(canonical(match["name"]), extras, marker or None)
