"""Mangum's private per-source handler classes have no counterpart in `adapters.compat`:
the tests that use them are left out (docs/migrating.md lists them). Importing a name
gives a class that says so when used, so that a module's other tests still run."""

from typing import Any


def private_handler(name: str) -> type:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"mangum.handlers.{name} is private to Mangum: not provided")

    return type(name, (), {"__init__": refuse, "infer": staticmethod(refuse)})
