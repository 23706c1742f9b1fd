"""What the two sweeps share: AWS-shaped answers, the texts an answer must never contain, the
report table, and a quiet terminal (handler output and the server's log go to a file, the report to
the real one)."""

from __future__ import annotations

import collections
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

# A temporary directory of the sweep's own: other test runs on this machine create and remove
# mocklambda-* directories in the shared one, which would look like leaks (or hide them).
SYSTEM_TMP = tempfile.gettempdir()
PRIVATE_TMP = tempfile.mkdtemp(prefix="sweep-")
os.environ["TMPDIR"] = PRIVATE_TMP
tempfile.tempdir = PRIVATE_TMP

REPOSITORY = Path(__file__).resolve().parents[2]
# The checkout these scripts live in is the mocklambda they sweep (also in the server's subprocess),
# whatever copy the interpreter has installed.
sys.path.insert(0, str(REPOSITORY))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH")]))

REGION = "us-east-1"
ACCOUNT = "123456789012"

# Paths of this machine that an answer must never name: where packages are extracted, the code of
# mocklambda / moto / botocore, the interpreter's prefix and this checkout.
HOST_PATHS = tuple(sorted({
    tempfile.gettempdir() + "/mocklambda-",
    str(REPOSITORY),
    sys.prefix,
    sys.base_prefix + "/lib/python",
}, key=len, reverse=True))

# Python's own text: an exception class and its colon, or a traceback.
PYTHON_TEXT = re.compile(
    r"Traceback \(most recent call last\)|\b(?:TypeError|ValueError|KeyError|AttributeError|IndexError|"
    r"UnicodeDecodeError|UnicodeEncodeError|JSONDecodeError|RecursionError|AssertionError|NameError|"
    r"OverflowError|ZeroDivisionError|RuntimeError|NotImplementedError|BadZipFile|OSError|"
    r"FileNotFoundError|binascii\.Error)\b:?|File \"/")


def host_path_in(text: str) -> str | None:
    """The first host path ``text`` names, if any."""
    return next((path for path in HOST_PATHS if path in text), None)


def python_text_in(text: str) -> str | None:
    """Python's own wording in ``text`` (an exception class name, a traceback), if any."""
    found = PYTHON_TEXT.search(text)
    return found.group(0) if found else None


@dataclass
class Violation:
    invariant: str
    case: str
    reproduction: str
    key: Any = None  # what a replay needs to run the case again
    attribution: str = ""  # what the replay found (e.g. "moto alone does the same")


@dataclass
class Tally:
    """Cases tried, outcomes by class, and the cases that broke an invariant (with how to repeat them)."""

    title: str
    cases: int = 0
    requests: int = 0
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    violations: list[Violation] = field(default_factory=list)
    notes: collections.Counter[str] = field(default_factory=collections.Counter)
    started: float = field(default_factory=time.monotonic)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    elapsed: float | None = None
    summary: list[str] = field(default_factory=list)  # lines under the header

    def timed(self, seconds: float, case: str) -> None:
        self.slowest = sorted([*self.slowest, (seconds, case)], reverse=True)[:5]

    def outcome(self, name: str) -> None:
        self.outcomes[name] += 1

    def violation(self, invariant: str, case: str, reproduction: str, key: Any = None) -> None:
        self.violations.append(Violation(invariant, case, reproduction, key))

    def note(self, name: str) -> None:
        """Something worth a line in the report that no invariant forbids."""
        self.notes[name] += 1

    def finish(self) -> None:
        """The part is done: its time stops here (replays and other parts are not counted)."""
        self.elapsed = time.monotonic() - self.started

    def report(self, out: TextIO, what: str, top: int = 60, examples: int = 2) -> None:
        elapsed = self.elapsed if self.elapsed is not None else time.monotonic() - self.started
        print(f"\n== {self.title} ==", file=out)
        print(f"{self.cases} cases, {self.requests} {what}, {elapsed:.1f} s", file=out)
        for line in self.summary:
            print(line, file=out)
        print("\noutcomes by class:", file=out)
        ranked = sorted(self.outcomes.items(), key=lambda item: (-item[1], item[0]))
        width = max((len(name) for name, _ in ranked[:top]), default=10)
        for name, count in ranked[:top]:
            print(f"  {name:<{width}}  {count:>6}", file=out)
        if len(ranked) > top:
            print(f"  ({len(ranked) - top} more classes, {sum(c for _, c in ranked[top:])} outcomes)", file=out)
        if self.notes:
            print("\nnoted (no invariant forbids these):", file=out)
            for name, count in sorted(self.notes.items(), key=lambda item: (-item[1], item[0])):
                print(f"  {count:>6}  {name}", file=out)
        if self.slowest:
            print("\nslowest cases:", file=out)
            for seconds, case in self.slowest:
                print(f"  {seconds:6.1f} s  {case}", file=out)
        groups: dict[str, list[Violation]] = {}
        for violation in self.violations:
            groups.setdefault(violation.invariant, []).append(violation)
        print(f"\ninvariant violations: {len(self.violations)} in {len(groups)} kinds", file=out)
        ranked_groups = sorted(groups.items(), key=lambda item: (moto_too(item[1]), -len(item[1])))
        for invariant, found in ranked_groups:
            attributed = collections.Counter(v.attribution.split(" (")[0] for v in found if v.attribution)
            also = "; ".join(f"{what}: {count}" for what, count in attributed.items())
            print(f"  {len(found):>6}  {invariant}" + (f"  [replayed: {also}]" if also else ""), file=out)
        for invariant, found in ranked_groups:
            print(f"\n-- {invariant}", file=out)
            distinct = list({violation.case: violation for violation in found}.values())
            for violation in distinct[:examples]:
                print(f"   case: {violation.case}\n   repeat: {violation.reproduction}", file=out)
                if violation.attribution:
                    print(f"   replayed: {violation.attribution}", file=out)


def moto_too(found: list[Violation]) -> bool:
    """Whether every replayed case of a kind failed against moto alone as well (moto's own answer)."""
    replayed = [v for v in found if v.attribution]
    return bool(replayed) and all(v.attribution.startswith("moto alone") for v in replayed)


class Terminal:
    """The report goes to the terminal; whatever else writes to fds 1 and 2 (handlers, tracebacks of
    threads, warnings) is dropped, or kept in a file with ``keep_log``, or shown with ``verbose``."""

    def __init__(self, verbose: bool, log_name: str, keep_log: bool = False) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        self.out: TextIO = os.fdopen(os.dup(1), "w", buffering=1)
        self.log: str | None = None
        if keep_log:
            self.log = os.path.join(tempfile.mkdtemp(prefix="sweep-log-", dir=SYSTEM_TMP), log_name)
        if not verbose:
            quiet = os.open(self.log or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(quiet, 1)
            os.dup2(quiet, 2)
            os.close(quiet)

    def finish(self, tallies: list[Tally], what: str, closing: str = "") -> None:
        """Print the reports, remove the sweep's temporary directory and leave at once: a handler's
        leftover thread must not keep the process alive (that would be a violation already reported)."""
        for tally in tallies:
            tally.report(self.out, what)
        if closing:
            print(closing, file=self.out)
        if self.log:
            print(f"\n(handler and server output: {self.log})", file=self.out)
        self.out.flush()
        shutil.rmtree(PRIVATE_TMP, ignore_errors=True)
        os._exit(1 if any(tally.violations for tally in tallies) else 0)


def where(error: BaseException) -> str:
    """An exception and the last frames it came through, for a report line."""
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    return f"{type(error).__name__}: {str(error)[:200]} at " + " <- ".join(
        f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in reversed(frames))


def client_error_shape(error: Any) -> tuple[int, str, str]:
    """Status, code and message of a botocore ClientError."""
    response = error.response
    return (response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0),
            response.get("Error", {}).get("Code", ""), response.get("Error", {}).get("Message", ""))
