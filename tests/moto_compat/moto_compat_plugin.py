"""pytest plugin loaded (``-p moto_compat_plugin``) into the moto suite run by ``run_moto_suite.py``.

It does two things inside that run, and nothing in ours:

* records every test's outcome, keyed by its exact node id, as JSON in the file named by the
  environment variable ``MOTO_COMPAT_REPORT`` (the runner compares it with EXPECTED_DIFFERENCES.md);
* reports a test as *skipped* when it failed only because an optional dependency of moto is not
  installed (e.g. moto's CloudFormation tests need ``openapi_spec_validator``, which the
  ``moto[awslambda]`` extra does not pull in). That is a gap in the environment, not a difference
  between moto and mocklambda. A missing module imported from mocklambda's own code is never
  hidden this way.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest

_MISSING_DEPENDENCY = "missing optional dependency"
_outcomes: dict[str, dict[str, Any]] = {}


def _mocklambda_dir() -> str | None:
    spec = importlib.util.find_spec("mocklambda")
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(list(spec.submodule_search_locations)[0]).resolve())


def _missing_module(excinfo: Any) -> str | None:
    """The uninstalled module a ModuleNotFoundError is about, unless mocklambda raised it."""
    if excinfo is None or not excinfo.errisinstance(ModuleNotFoundError):
        return None
    name = getattr(excinfo.value, "name", None)
    if not name:
        return None
    try:
        if importlib.util.find_spec(name.split(".", 1)[0]) is not None:
            return None  # installed: the error means something else
    except (ImportError, ValueError):
        pass
    # The frame holding the failed import statement: the innermost one outside importlib.
    frames = [entry for entry in excinfo.traceback if not str(entry.path).startswith("<frozen")]
    ours = _mocklambda_dir()
    if frames and ours is not None and str(Path(str(frames[-1].path)).resolve()).startswith(ours):
        return None
    return name


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        missing = _missing_module(call.excinfo)
        if missing is not None:
            report.outcome = "skipped"
            path, lineno, _ = item.location
            report.longrepr = (path, (lineno or 0) + 1, f"Skipped: {_MISSING_DEPENDENCY} {missing!r}")


def _record(nodeid: str, outcome: str, report: Any) -> None:
    entry = _outcomes.get(nodeid)
    if entry is not None and entry["outcome"] in ("failed", "error"):
        return  # keep the first failure (a teardown error after a failed call adds nothing)
    detail = ""
    if outcome in ("failed", "error"):
        detail = report.longreprtext
    elif outcome == "skipped" and isinstance(report.longrepr, tuple):
        detail = str(report.longrepr[2])
    _outcomes[nodeid] = {"outcome": outcome, "when": report.when, "detail": detail}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            _record(report.nodeid, "xpassed" if report.passed else "xfailed", report)
        else:
            _record(report.nodeid, report.outcome, report)
    elif report.failed:  # setup or teardown
        _record(report.nodeid, "error", report)
    elif report.skipped and report.when == "setup":
        _record(report.nodeid, "xfailed" if hasattr(report, "wasxfail") else "skipped", report)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _outcomes[report.nodeid] = {"outcome": "error", "when": "collect", "detail": report.longreprtext}


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get("MOTO_COMPAT_REPORT")
    if target:
        Path(target).write_text(json.dumps(_outcomes, indent=1, sort_keys=True), encoding="utf-8")
