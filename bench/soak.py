"""Soak: many invocations of an example handler through the real Lambda runtime.

`python -m bench.soak [--count 10000] [--warmup 200] [--apps wsgi asgi]` starts one
Runtime Interface Emulator (RIE) per handler in lambda/ (`wsgi_handler`, `asgi_handler`),
which runs the function in `python -m awslambdaric`, as tests/runtime_emulator.py does.
It sends a repeating mix of the requests a user of the notes API makes (create, read one,
list, a missing note, two kinds of bad body, delete), one invoke at a time (the RIE panics
on concurrent invokes), from four front doors in turn, and checks every answer's status
and body as the front door's client would see them.

The function process's resident memory (VmRSS of the awslambdaric process, the RIE's
child) is read after the warm-up and then every `--sample-every` invocations. A JSON
summary goes to stdout (and to `--json PATH`): invocations, failures, RSS before and after
in kB, p50/p99 latency. The exit status is 1 when an invariant does not hold (see
`violations`), 2 when the emulator is not installed.

The created note is deleted in the same cycle, so the store holds the same notes at the
start of every cycle: memory that grows over the run is what the process keeps per
request, not data the app was asked to keep.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from adapters.events import build_event, client_response

APPS = {"wsgi": "wsgi_handler", "asgi": "asgi_handler"}
# The front doors the cycles rotate through (one per cycle of KINDS).
SOURCES = ("http", "rest", "alb", "function-url")
KINDS = ("create", "get_one", "list", "missing", "bad_json", "empty_title", "delete")
SEED_NOTES = 20
JSON_HEADER = ("Content-Type", "application/json")

# RSS growth allowed from the end of the warm-up to the end of the run. 5 MB (5,120 kB):
# after the warm-up the interpreter, both frameworks and the templates are loaded and the
# allocator's arenas are at their working size, so a healthy process stays within a few
# hundred kB (measured here: docs/load-and-soak.md). A leak of 512 bytes per invocation
# (one small dict and a string kept per request) crosses it within 10,000 invocations.
RSS_GROWTH_LIMIT_KB = 5 * 1024
# RSS growth allowed over the second half of the measured invocations: 1 MB. Measured
# here, a healthy process grows for the first ~2,500 invocations (the allocator reaching
# its working set) and then not at all, so the second half of 10,000 grows by a few kB
# and the second half of 2,000 by ~200 kB; a leak of 200 bytes per invocation crosses
# 1 MB over the second half of 10,000, one of 1 kB over the second half of 2,000.
RSS_LATE_GROWTH_LIMIT_KB = 1024


@dataclass
class Failure:
    index: int  # invocation number, warm-up included
    kind: str
    source: str
    problem: str


@dataclass
class Summary:
    app: str
    module: str
    requested: int
    invocations: int = 0  # measured invocations that got an answer (the warm-up excluded)
    warmup: int = 0
    failures: int = 0
    failure_examples: list[Failure] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    runtime_pid: int | None = None
    runtime_pid_after: int | None = None
    rss_before_kb: int | None = None
    rss_after_kb: int | None = None
    rss_growth_kb: int | None = None
    rss_mid_kb: int | None = None  # after half the measured invocations
    rss_late_growth_kb: int | None = None  # after - mid
    rss_max_kb: int | None = None
    rss_samples_kb: list[tuple[int, int]] = field(default_factory=list)  # (invocation, kB)
    rie_rss_before_kb: int | None = None
    rie_rss_after_kb: int | None = None
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    latency_max_ms: float | None = None
    duration_s: float = 0.0
    stopped_early: str | None = None
    logs: str = ""


def read_status_kb(pid: int, key: str = "VmRSS") -> int | None:
    """A `kB` field of /proc/PID/status (VmRSS, VmHWM), or None when the process is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.partition(":")
        if name == key:
            return int(value.split()[0])
    return None


def command_line(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def function_pid(rie_pid: int) -> int | None:
    """The `python -m awslambdaric` child of the RIE: the process serving the function."""
    from tests.runtime_emulator import child_pids

    for pid in child_pids(rie_pid):
        if "awslambdaric" in command_line(pid):
            return pid
    return None


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 10,000 values: the 9,900th smallest)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(round(len(ordered) * fraction, 9)))  # round: 0.99 is inexact
    return ordered[rank - 1]


# -- the workload --------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What the front door's client receives: the status and the body's bytes."""

    status: int
    body: bytes


@dataclass
class Step:
    kind: str
    source: str
    event: dict[str, Any]
    check: Callable[[Answer], str | None]  # None when the answer is right, else why not


def _json(response: Answer) -> Any:
    try:
        return json.loads(response.body)
    except ValueError:
        return None


def _expect(response: Answer, status: int, body: Any) -> str | None:
    if response.status != status:
        return f"status {response.status}, expected {status}: {response.body[:300]!r}"
    if body is not None and _json(response) != body:
        return f"body {response.body[:300]!r}, expected {body!r}"
    return None


class NotesWorkload:
    """The requests, in order, and what a client must get back for each.

    Step `i` is KINDS[i % 7] from SOURCES[(i // 7) % 4]. `create` makes the cycle's note;
    `get_one`, `list` and `delete` expect exactly it (and the seeded notes) back."""

    def __init__(self, app: str) -> None:
        self.app = app
        self.seeded: dict[str, dict[str, Any]] = {}
        self.current: dict[str, Any] | None = None
        self.index = 0

    def seed_steps(self) -> Iterator[Step]:
        for number in range(SEED_NOTES):
            title = f"seed {number} {uuid.uuid4().hex[:8]}"
            yield self._create("http", title, f"seeded note {number}: ☕ körper", seed=True)

    def next_step(self) -> Step:
        kind = KINDS[self.index % len(KINDS)]
        source = SOURCES[(self.index // len(KINDS)) % len(SOURCES)]
        self.index += 1
        step: Step = getattr(self, f"_{kind}")(source)
        return step

    def _create(self, source: str, title: str = "", body: str = "", seed: bool = False) -> Step:
        title = title or f"soak {self.index} {uuid.uuid4().hex[:8]}"
        body = body or f"written by invocation {self.index}\nline two ✓"
        event = build_event(
            source,
            method="POST",
            path="/api/notes",
            headers=[JSON_HEADER],
            body=json.dumps({"title": title, "body": body}),
        )

        def check(response: Answer) -> str | None:
            if response.status != 201:
                return f"status {response.status}, expected 201: {response.body[:300]!r}"
            note = _json(response)
            if not isinstance(note, dict) or (note.get("title"), note.get("body")) != (
                title,
                body,
            ):
                return f"created {response.body[:300]!r}, sent title {title!r}"
            if seed:
                self.seeded[note["id"]] = note
            else:
                self.current = note
            return None

        if not seed:
            self.current = None  # until this create is answered
        return Step("create", source, event, check)

    def _note(self) -> dict[str, Any]:
        """The cycle's note, or a seeded one when the cycle's create failed."""
        if self.current is not None:
            return self.current
        return next(iter(self.seeded.values()), {"id": "none"})

    def _get_one(self, source: str) -> Step:
        note = self._note()
        event = build_event(source, path=f"/api/notes/{note['id']}")
        return Step("get_one", source, event, lambda response: _expect(response, 200, note))

    def _list(self, source: str) -> Step:
        expected = {**self.seeded}
        if self.current is not None:
            expected[self.current["id"]] = self.current
        event = build_event(source, path="/api/notes")

        def check(response: Answer) -> str | None:
            problem = _expect(response, 200, None)
            if problem:
                return problem
            listed = _json(response)
            notes = listed.get("notes") if isinstance(listed, dict) else None
            if not isinstance(notes, list) or {n.get("id"): n for n in notes} != expected:
                return f"listed {len(notes or [])} notes, expected {len(expected)}"
            created = [note["created"] for note in notes]
            if created != sorted(created, reverse=True):
                return "the list is not newest first"
            return None

        return Step("list", source, event, check)

    def _missing(self, source: str) -> Step:
        event = build_event(source, path=f"/api/notes/missing{uuid.uuid4().hex[:8]}")
        return Step("missing", source, event, lambda r: _expect(r, 404, {"error": "not found"}))

    def _bad_json(self, source: str) -> Step:
        event = build_event(
            source, method="POST", path="/api/notes", headers=[JSON_HEADER], body='{"title": '
        )

        def check(response: Answer) -> str | None:
            if self.app == "wsgi":  # Flask: the app's own message
                return _expect(response, 400, {"error": "send a JSON object with a title"})
            problem = _expect(response, 422, None)  # FastAPI: validation error
            detail = (_json(response) or {}).get("detail") or [{}]
            if problem is None and detail[0].get("type") != "json_invalid":
                problem = f"422 without json_invalid: {response.body[:300]!r}"
            return problem

        return Step("bad_json", source, event, check)

    def _empty_title(self, source: str) -> Step:
        event = build_event(
            source,
            method="POST",
            path="/api/notes",
            headers=[JSON_HEADER],
            body=json.dumps({"title": "   ", "body": "no title"}),
        )
        return Step(
            "empty_title",
            source,
            event,
            lambda r: _expect(r, 400, {"error": "A note needs a title."}),
        )

    def _delete(self, source: str) -> Step:
        note = self.current
        note_id = note["id"] if note is not None else "none"
        event = build_event(source, method="DELETE", path=f"/api/notes/{note_id}")

        def check(response: Answer) -> str | None:
            self.current = None
            if note is None:
                return "nothing to delete: the cycle's create failed"
            if response.status != 204 or response.body:
                return f"status {response.status} {response.body[:300]!r}, expected 204, empty"
            return None

        return Step("delete", source, event, check)


# -- the run -------------------------------------------------------------------------------


class _Run:
    """One soak of one handler: the invokes, the checks and the RSS readings."""

    def __init__(self, emulator: Any, summary: Summary, workload: NotesWorkload) -> None:
        self.emulator = emulator
        self.summary = summary
        self.workload = workload
        self.latencies: list[float] = []
        self.sent = 0  # invocations sent, warm-up included
        self.max_failure_examples = 10

    def invoke(self, step: Step, measured: bool) -> bool:
        """One invoke, checked; False when the run cannot go on (the emulator is gone)."""
        from tests.runtime_emulator import EmulatorError

        self.sent += 1
        try:
            status, raw, seconds = self.emulator.invoke_raw(step.event)
        except EmulatorError as error:
            self.fail(step, f"no answer: {str(error)[:300]}")
            return False
        if measured:
            self.latencies.append(seconds)
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        problem: str | None
        if status != 200 or not isinstance(answer, dict) or "errorType" in answer:
            problem = f"the runtime answered {status}: {raw[:300]!r}"
        else:
            try:
                response = client_response(step.event, answer)
                body = response.body if isinstance(response.body, bytes) else b"(a stream)"
                problem = step.check(Answer(response.status, body))
            except ValueError as error:  # the front door would answer 502
                problem = f"the front door rejects the result: {error}"
        if problem:
            self.fail(step, problem)
        elif measured:
            self.summary.by_kind[step.kind] = self.summary.by_kind.get(step.kind, 0) + 1
        return True

    def fail(self, step: Step, problem: str) -> None:
        self.summary.failures += 1
        if len(self.summary.failure_examples) < self.max_failure_examples:
            failure = Failure(self.sent, step.kind, step.source, problem)
            self.summary.failure_examples.append(failure)

    def warm_up(self, warmup: int, deadline: float) -> bool:
        """The seeded notes, then the mix until `warmup` invocations and a whole cycle."""
        alive = True
        for step in self.workload.seed_steps():
            alive = alive and self.invoke(step, measured=False)
        while alive and self.sent < warmup and time.monotonic() < deadline:
            alive = self.invoke(self.workload.next_step(), measured=False)
        while alive and self.workload.index % len(KINDS):  # measure whole cycles
            alive = self.invoke(self.workload.next_step(), measured=False)
        self.summary.warmup = self.sent
        return alive

    def measure(self, pid: int, count: int, deadline: float, sample_every: int) -> None:
        summary = self.summary
        summary.rss_before_kb = read_status_kb(pid)
        summary.rie_rss_before_kb = read_status_kb(self.emulator.pid)
        summary.rss_samples_kb.append((0, summary.rss_before_kb or 0))
        measured = 0
        while measured < count:
            if time.monotonic() > deadline:
                summary.stopped_early = "time limit reached"
                break
            if not self.invoke(self.workload.next_step(), measured=True):
                summary.stopped_early = "the emulator stopped answering"
                break
            measured += 1
            if measured == count // 2:
                summary.rss_mid_kb = read_status_kb(pid)
            if measured % sample_every == 0:
                summary.rss_samples_kb.append((measured, read_status_kb(pid) or 0))
        summary.rss_after_kb = read_status_kb(pid)
        summary.rss_max_kb = read_status_kb(pid, "VmHWM")
        summary.rie_rss_after_kb = read_status_kb(self.emulator.pid)
        summary.runtime_pid_after = function_pid(self.emulator.pid)
        if summary.rss_samples_kb[-1][0] != measured:
            summary.rss_samples_kb.append((measured, summary.rss_after_kb or 0))

    def finish(self) -> None:
        summary = self.summary
        summary.invocations = len(self.latencies)
        before, mid, after = summary.rss_before_kb, summary.rss_mid_kb, summary.rss_after_kb
        if before is not None and after is not None:
            summary.rss_growth_kb = after - before
        if mid is not None and after is not None:
            summary.rss_late_growth_kb = after - mid
        if self.latencies:
            summary.latency_p50_ms = round(percentile(self.latencies, 0.50) * 1000, 3)
            summary.latency_p99_ms = round(percentile(self.latencies, 0.99) * 1000, 3)
            summary.latency_max_ms = round(max(self.latencies) * 1000, 3)
        if summary.failures or summary.stopped_early:
            summary.logs = self.emulator.describe_logs(2000)


def soak(
    app: str,
    count: int,
    *,
    warmup: int = 200,
    max_seconds: float = 900.0,
    sample_every: int = 500,
    log_dir: Path | None = None,
    module: str | None = None,
    cwd: Path | None = None,
) -> Summary:
    """`warmup` invocations (the seeded notes first), then `count` measured ones, each
    loop bounded by its count and by `max_seconds` for the whole run; the RIE (and the
    runtime under it) is stopped by its pid before this returns. `app` ("wsgi", "asgi")
    says which answers to expect; `module` and `cwd` run another handler module than
    lambda/APP_handler.py (one that wraps it, for instance)."""
    from tests.runtime_emulator import LAMBDA_DIR, RuntimeEmulator

    module_name = module or APPS[app]
    summary = Summary(app=app, module=module_name, requested=count)
    started = time.monotonic()
    deadline = started + max_seconds
    with contextlib.ExitStack() as stack:
        if log_dir is None:
            log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-")))
        emulator = RuntimeEmulator(module_name, log_dir, cwd=cwd or LAMBDA_DIR).start()
        stack.callback(emulator.stop)
        run = _Run(emulator, summary, NotesWorkload(app))
        if not run.warm_up(warmup, deadline):
            summary.stopped_early = "the emulator stopped answering during the warm-up"
        elif (pid := function_pid(emulator.pid)) is None:
            summary.stopped_early = "no awslambdaric process under the RIE after the warm-up"
        else:
            summary.runtime_pid = pid
            run.measure(pid, count, deadline, sample_every)
            if summary.stopped_early == "time limit reached":
                summary.stopped_early = f"time limit of {max_seconds:.0f} s reached"
        run.finish()
    summary.duration_s = round(time.monotonic() - started, 2)
    return summary


def violations(
    summary: Summary,
    rss_limit_kb: int = RSS_GROWTH_LIMIT_KB,
    late_limit_kb: int = RSS_LATE_GROWTH_LIMIT_KB,
) -> list[str]:
    """Why the run does not meet the soak's invariants; empty when it does."""
    problems = []
    if summary.stopped_early:
        problems.append(f"stopped early: {summary.stopped_early}")
    if summary.invocations != summary.requested:
        problems.append(f"{summary.invocations} of {summary.requested} invocations answered")
    if summary.failures:
        examples = "; ".join(
            f"#{f.index} {f.kind} via {f.source}: {f.problem}" for f in summary.failure_examples
        )
        problems.append(f"{summary.failures} wrong answers, e.g. {examples}")
    if summary.runtime_pid is None or summary.runtime_pid_after != summary.runtime_pid:
        problems.append(
            f"the function process changed: pid {summary.runtime_pid} after the warm-up, "
            f"{summary.runtime_pid_after} at the end (it restarted, so RSS compares two)"
        )
    if summary.rss_growth_kb is None:
        problems.append("RSS could not be read")
    elif summary.rss_growth_kb >= rss_limit_kb:
        problems.append(
            f"RSS grew {summary.rss_growth_kb} kB after the warm-up "
            f"({summary.rss_before_kb} -> {summary.rss_after_kb} kB), limit {rss_limit_kb} kB"
        )
    if summary.rss_late_growth_kb is not None and summary.rss_late_growth_kb >= late_limit_kb:
        problems.append(
            f"RSS grew {summary.rss_late_growth_kb} kB over the second half of the run "
            f"({summary.rss_mid_kb} -> {summary.rss_after_kb} kB), limit {late_limit_kb} kB: "
            "still growing after the warm-up, a leak"
        )
    return problems


def report(summary: Summary) -> dict[str, Any]:
    data = asdict(summary)
    if not data["logs"]:
        del data["logs"]
    data["violations"] = violations(summary)
    return data


def missing() -> str | None:
    from bench.emulator import missing as emulator_missing

    return emulator_missing()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="measured invocations per app")
    parser.add_argument("--warmup", type=int, default=200, help="invocations before the RSS")
    parser.add_argument("--apps", nargs="+", choices=sorted(APPS), default=["wsgi", "asgi"])
    parser.add_argument(
        "--max-seconds", type=float, default=900.0, help="time limit per app (default 900)"
    )
    parser.add_argument("--sample-every", type=int, default=500, help="RSS sample interval")
    parser.add_argument("--json", type=Path, help="also write the summary to this file")
    args = parser.parse_args(argv)
    if args.count < 1 or args.warmup < 0 or args.sample_every < 1:
        parser.error("--count and --sample-every must be positive, --warmup not negative")
    problem = missing()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    results = {}
    for app in args.apps:
        print(f"soak: {app}, {args.count} invocations ...", file=sys.stderr, flush=True)
        summary = soak(
            app,
            args.count,
            warmup=args.warmup,
            max_seconds=args.max_seconds,
            sample_every=args.sample_every,
        )
        results[app] = report(summary)
    output = {
        "rss_growth_limit_kb": RSS_GROWTH_LIMIT_KB,
        "rss_late_growth_limit_kb": RSS_LATE_GROWTH_LIMIT_KB,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "apps": results,
    }
    text = json.dumps(output, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    return 1 if any(result["violations"] for result in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
