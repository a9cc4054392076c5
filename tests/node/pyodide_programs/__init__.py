"""Python programs that run inside Pyodide (tests/node/pyodide_node.program reads them as
text); never imported by CPython. ruff and mypy read them as the package they are laid out
as, so a file that uses a name an earlier file of its program defines imports it under
TYPE_CHECKING."""
