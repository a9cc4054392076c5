"""Matching a request to a route the way API Gateway does.

Routes are tried most specific first: literal segments beat `{param}`, which beats a
greedy `{proxy+}`; a route for the method beats `ANY`. `{name}` matches one segment,
`{name+}` the rest of the path (at least one segment).
"""

from __future__ import annotations

from urllib.parse import unquote


class Route:
    def __init__(self, method: str, path: str, function: str, streams: bool = False) -> None:
        self.streams = streams  # a REST method with ResponseTransferMode RESPONSE_STREAM
        self.method = method.upper()
        self.path = path if path == "/" else path.rstrip("/")
        self.function = function
        self.segments = [s for s in self.path.split("/") if s]

    @property
    def greedy(self) -> bool:
        return bool(self.segments) and self.segments[-1].endswith("+}")

    def sort_key(self) -> tuple[int, int, int, int]:
        literal = sum(1 for s in self.segments if not s.startswith("{"))
        return (int(self.greedy), -literal, -len(self.segments), int(self.method == "ANY"))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters if this route takes the request, else None."""
        if self.method not in ("ANY", method.upper()):
            return None
        parts = [s for s in path.split("/") if s]
        parameters: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.startswith("{") and segment.endswith("+}"):
                rest = parts[index:]
                if not rest:
                    return None
                parameters[segment[1:-2]] = unquote("/".join(rest))
                return parameters
            if index >= len(parts):
                return None
            if segment.startswith("{") and segment.endswith("}"):
                parameters[segment[1:-1]] = unquote(parts[index])
            elif segment != parts[index]:
                return None
        return parameters if len(parts) == len(self.segments) else None

    def __repr__(self) -> str:
        return f"{self.method} {self.path} -> {self.function}"


def find_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in sorted(routes, key=Route.sort_key):
        parameters = route.match(method, path)
        if parameters is not None:
            return route, parameters
    return None
