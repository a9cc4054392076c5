"""The development loop's builds: one full build, then a new one for every edit.

An edit to the app's code repacks only the app's wheel (``rebuild``), in tens of
milliseconds; an edit to a requirements file builds the whole bundle again (the cached
dependencies make that under a second unless a requirement changed). Each build, or the
error that stopped it, goes to ``announce`` for the pages to hear; the last good build
stays served when a rebuild fails.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .bundle import build, parse_env, read_requirements_file
from .errors import log
from .rebuild import NeedsFullBuild, rebuild_app_code
from .watch import FileState, changed, files_state, folder_state

Announce = Callable[[str, str], None]
"""(event, data): ("build", the build id) or ("build-error", what went wrong)."""

SETTLE_ROUNDS = 10
"""Polls to wait for a burst of writes (an editor's save, a git checkout) to end."""


@dataclass
class DevOptions:
    app: str
    out: Path
    source: Path
    requirements: Sequence[str] = ()
    requirements_files: Sequence[Path] = ()
    base_path: str = "/app"
    include: Sequence[str] = ()
    env: Sequence[str] = ()
    secret_env: Sequence[str] = ()
    refresh: bool = False
    wheel_dirs: Sequence[Path] = ()
    mirrors: Sequence[str] = ()
    bytecode: bool = True
    persist: Sequence[str] = ()
    websockets: bool = False


@dataclass
class DevLoop:
    options: DevOptions
    announce: Announce
    interval: float = 0.3
    build_id: str = ""
    _sources: FileState = field(default_factory=dict)
    _requirements: FileState = field(default_factory=dict)

    def full_build(self, into: Path | None = None) -> str:
        """Build the whole bundle (into ``into``, default the served folder); return its
        build id (BuildError when it fails)."""
        options = self.options
        requirements = list(options.requirements)
        for path in options.requirements_files:
            requirements += read_requirements_file(path)
        manifest = build(
            options.app, into or options.out, options.source, requirements, options.base_path,
            options.refresh, web=True, env=parse_env(options.env, options.secret_env),
            include=options.include, dev=True, wheel_dirs=options.wheel_dirs,
            mirrors=options.mirrors, bytecode=options.bytecode, persist=options.persist,
            websockets=options.websockets,
        )  # fmt: skip
        self.build_id = str(manifest["build"])
        return self.build_id

    def watch_state(self) -> tuple[FileState, FileState]:
        return (
            folder_state(self.options.source, skip=[self.options.out]),
            files_state(self.options.requirements_files),
        )

    def start_watching(self) -> None:
        self._sources, self._requirements = self.watch_state()

    def poll(self) -> bool:
        """Look once for edits and rebuild for them; True when something was rebuilt."""
        sources, requirements = self.watch_state()
        if sources == self._sources and requirements == self._requirements:
            return False
        for _ in range(SETTLE_ROUNDS):  # let a burst of writes finish first
            time.sleep(self.interval)
            settled = self.watch_state()
            if settled == (sources, requirements):
                break
            sources, requirements = settled
        edited = changed(self._sources, sources)
        full = requirements != self._requirements
        self._sources, self._requirements = sources, requirements
        return self.rebuild(full, edited)

    def rebuild(self, full: bool, edited: Sequence[str] = ()) -> bool:
        started = time.monotonic()
        what = "the bundle" if full else "the app's code"
        try:
            if not full:
                try:
                    manifest = rebuild_app_code(
                        self.options.out, self.options.source, list(self.options.include)
                    )
                except NeedsFullBuild:
                    full, what = True, "the bundle"
                else:
                    if manifest is None:
                        log(f"  {_files(edited)} changed; the app's code is the same: no new build")
                        return False
                    self.build_id = str(manifest["build"])
            if full:
                self.replace_with_full_build()
        except Exception as error:  # any failure: the last good build stays served
            log(f"error: rebuilding {what}: {error} (still serving build {self.build_id})")
            self.announce("build-error", str(error))
            return False
        elapsed = (time.monotonic() - started) * 1000
        log(f"rebuilt {what} in {elapsed:.0f} ms ({_files(edited)}): build {self.build_id}")
        self.announce("build", self.build_id)
        return True

    def replace_with_full_build(self) -> None:
        """A full build beside the served folder, swapped in only once it succeeded: a
        failed one (a requirement with no Pyodide wheel) leaves the last good build."""
        out = self.options.out
        fresh, old = out.with_name(out.name + ".next"), out.with_name(out.name + ".old")
        for folder in (fresh, old):
            shutil.rmtree(folder, ignore_errors=True)
        try:
            build_id = self.full_build(into=fresh)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        out.rename(old)
        fresh.rename(out)
        shutil.rmtree(old, ignore_errors=True)
        self.build_id = build_id

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; `start_watching` must have run (before the server
        says it is up, so that no edit made from then on is taken for the starting state)."""
        while not stop.wait(self.interval):
            self.poll()


def _files(paths: Sequence[str]) -> str:
    if not paths:
        return "requirements"
    shown = ", ".join(Path(path).name for path in paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
