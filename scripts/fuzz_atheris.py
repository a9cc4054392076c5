"""Coverage-guided fuzzing of LambdaHandler with atheris (docs/fuzzing.md).

The fuzzer's bytes choose a source and a way to build the event: a well-formed event
from `build_event`, damaged by mutations the bytes pick; JSON text from the bytes,
merged into a well-formed event of the source (or used as it is); or generated garbage.
Every event goes through tests/properties/fuzz_targets.check_event: the same invariants
as the hypothesis tests (only UnknownEventError escapes, the source's shape within its
limit, no traceback or app secret). A broken invariant is an uncaught AssertionError,
which atheris reports with the input saved as crash-<sha1>.

    .venv/bin/python scripts/fuzz_atheris.py -runs=100000 -max_total_time=600 [CORPUS_DIR]
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports(include=["adapters"]):
    from adapters.testing import SOURCE_NAMES
    from tests.properties import fuzz_targets as ft


class BytesChooser:
    """The generators' decisions, read from the fuzzer's bytes."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    def integer(self, low: int, high: int) -> int:
        return int(self.provider.ConsumeIntInRange(low, high))

    def text(self, max_size: int) -> str:
        return str(self.provider.ConsumeUnicode(self.provider.ConsumeIntInRange(0, max_size)))

    def binary(self, max_size: int) -> bytes:
        return bytes(self.provider.ConsumeBytes(self.provider.ConsumeIntInRange(0, max_size)))


def one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    chooser = BytesChooser(provider)
    source = ft.pick(chooser, SOURCE_NAMES)
    mode = chooser.integer(0, 3)
    if mode == 0:  # a well-formed event, damaged
        event: Any = ft.well_formed_event(chooser, source)
        for _ in range(chooser.integer(0, 6)):
            ft.mutate(event, chooser)
    elif mode == 1:  # JSON from the bytes, over a well-formed event
        event = ft.well_formed_event(chooser, source)
        try:
            parsed = json.loads(provider.ConsumeUnicode(provider.remaining_bytes()))
        except (ValueError, RecursionError):
            return
        if isinstance(parsed, dict):
            event.update(parsed)
        else:
            event = parsed
    elif mode == 2:  # generated garbage
        event = ft.arbitrary_event(chooser)
    else:  # a misbehaving app
        asgi = ft.coin(chooser)
        name = "asgi-scripted" if asgi else "wsgi-scripted"
        script = ft.script_for(chooser, asgi, source)
        ft.check_event(ft.well_formed_event(chooser, source), {name: ft.SCRIPTED[name]}, script)
        return
    ft.check_event(event)


def main() -> None:
    logging.disable(logging.CRITICAL)  # the adapter logs every refusal; it is not news here
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()  # libFuzzer exits the process; its last line says "Done N runs"


if __name__ == "__main__":
    main()
