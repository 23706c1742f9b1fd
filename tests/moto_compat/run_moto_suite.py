#!/usr/bin/env python
"""Run moto's own Lambda tests with ``pytest --mocklambda`` and check every failure is expected.

Steps:
1. find the installed moto version;
2. get moto's sdist for exactly that version from PyPI (``pip download --no-deps --no-binary :all:``),
   cached in ``tests/moto_compat/.cache/`` (git-ignored) and reused;
3. extract only what the Lambda tests need: ``tests/{__init__,conftest,markers}.py``,
   ``tests/test_awslambda/``, ``tests/test_awslambda_simple/`` and every ``tests.*`` helper module
   those files import (found by reading their imports, e.g. ``tests/test_s3/__init__.py``);
4. run them with moto's own ``tests/conftest.py`` and a generated ``pytest.ini`` (so this repo's
   conftest.py and pytest configuration play no part), ``--mocklambda`` (every ``mock_aws`` behaves
   as ``mock_lambda``) and ``TESTS_SKIP_REQUIRES_DOCKER=1``;
5. collect each test's outcome (``moto_compat_plugin.py`` writes them as JSON);
6. compare the failures with ``EXPECTED_DIFFERENCES.md``: exit 0 only if every failing test is listed
   there. A listed test that now passes is reported as a warning.

``--include-docker-tests`` also runs moto's ``@requires_docker`` tests. Under ``--mocklambda`` those
run in-process, so no Docker is needed (``DOCKER_HOST`` points nowhere, so a code path that would
still reach for Docker fails at once instead of starting a container).

Exit status: 0 OK; 1 unexpected failures or errors; 2 the suite could not be run (download,
extraction, pytest usage or internal error, nothing collected, timeout).
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = HERE / ".cache"
EXPECTED_FILE = HERE / "EXPECTED_DIFFERENCES.md"
PLUGIN = "moto_compat_plugin"

EXTRACT_FORMAT = 1  # bump when what extract_tests() selects changes, so caches are rebuilt
TEST_DIRS = ("tests/test_awslambda", "tests/test_awslambda_simple")
ALWAYS = ("tests/__init__.py", "tests/conftest.py", "tests/markers.py")

PYTEST_INI = """\
# Written by mocklambda's tests/moto_compat/run_moto_suite.py; mirrors moto's own pytest settings.
[pytest]
filterwarnings =
    ignore:datetime.datetime.utcnow:DeprecationWarning:botocore
markers =
    network: requires network connection
    requires_docker: requires running docker
    aws_verified: Verified against AWS, and should be able to run against AWS
    requires_clean_slate: requires a clean slate, so no parallel testing
"""

# The environment of the run: nothing of the caller's pytest, moto or AWS set-up leaks in
# (PYTEST_ADDOPTS, PYTEST_DISABLE_PLUGIN_AUTOLOAD, TEST_SERVER_MODE, AWS_PROFILE, ...).
_DROP_PREFIXES = ("PYTEST_", "MOTO_", "AWS_")
_KEEP = {"AWS_CA_BUNDLE"}
_FORCED_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "DOCKER_HOST": "unix:///nonexistent/mocklambda-moto-compat-no-docker.sock",
    "PYTHONDONTWRITEBYTECODE": "1",
}
_DROP_EXACT = ("TEST_SERVER_MODE", "TEST_PROXY_MODE", "TEST_DECORATOR_MODE", "TESTS_SKIP_REQUIRES_DOCKER")


def log(message: str = "") -> None:
    print(message, flush=True)


class SuiteError(Exception):
    """The suite could not be run at all (exit status 2)."""


# --------------------------------------------------------------------------------------------
# 1-3: moto's sdist, downloaded once, and the part of it the Lambda tests need


def moto_version() -> str:
    try:
        return importlib.metadata.version("moto")
    except importlib.metadata.PackageNotFoundError as exc:
        raise SuiteError("moto is not installed in this interpreter") from exc


def download_sdist(version: str, cache: Path) -> Path:
    sdist_dir = cache / "sdist"
    found = sorted(sdist_dir.glob(f"moto-{version}.tar.gz")) if sdist_dir.is_dir() else []
    if found:
        log(f"moto {version} sdist: reusing {found[0]}")
        return found[0]
    sdist_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="download-", dir=cache))
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               "--disable-pip-version-check", f"moto=={version}", "-d", str(scratch)]
    log(f"moto {version} sdist: downloading ({' '.join(command[1:])})")
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        tarballs = sorted(scratch.glob("moto-*.tar.gz"))
        if result.returncode != 0 or not tarballs:
            raise SuiteError(
                f"could not download moto {version}'s sdist (pip exit {result.returncode}):\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}\n"
                "Pass --sdist PATH to use a local copy."
            )
        target = sdist_dir / tarballs[0].name
        os.replace(tarballs[0], target)  # atomic: a concurrent run sees all of it or nothing
        return target
    except subprocess.TimeoutExpired as exc:
        raise SuiteError(f"downloading moto {version}'s sdist timed out") from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _member_path(member: tarfile.TarInfo) -> str | None:
    """``moto-X.Y.Z/tests/...`` → ``tests/...``, or None for anything else."""
    parts = member.name.split("/", 1)
    if len(parts) != 2 or not parts[1].startswith("tests/"):
        return None
    return parts[1]


def _imported_test_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Dotted ``tests.*`` modules (or module.attribute candidates) a test file imports."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # maybe a submodule
    return {name for name in found if name == "tests" or name.startswith("tests.")}


def _module_files(module: str, names: set[str]) -> list[str]:
    """The files that make ``module`` importable: itself and its packages' ``__init__.py``."""
    parts = module.split(".")
    files = [f"{'/'.join(parts[:i])}/__init__.py" for i in range(1, len(parts))]
    as_file, as_package = f"{'/'.join(parts)}.py", f"{'/'.join(parts)}/__init__.py"
    if as_file in names:
        files.append(as_file)
    elif as_package in names:
        files.append(as_package)
    else:
        return []  # an attribute, not a module
    return [f for f in files if f in names]


def select_members(archive: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {}
    for member in archive.getmembers():
        path = _member_path(member)
        if path is not None and member.isfile():
            members[path] = member
    names = set(members)
    wanted = {p for p in names if p in ALWAYS or any(p.startswith(d + "/") for d in TEST_DIRS)}
    missing = [p for p in ALWAYS if p not in names]
    if missing or not any(p.startswith(TEST_DIRS[0] + "/") for p in wanted):
        raise SuiteError(f"the sdist lacks expected test files ({missing or TEST_DIRS[0]})")
    queue = [p for p in wanted if p.endswith(".py")]
    while queue:  # close over the helper modules the selected files import
        path = queue.pop()
        source = archive.extractfile(members[path]).read().decode("utf-8", "replace")  # type: ignore[union-attr]
        is_package = path.endswith("/__init__.py")
        module = path[: -len("/__init__.py")] if is_package else path[: -len(".py")]
        for imported in _imported_test_modules(source, module.replace("/", "."), is_package):
            for file in _module_files(imported, names):
                if file not in wanted:
                    wanted.add(file)
                    queue.append(file)
    return {p: members[p] for p in sorted(wanted)}


def extract_tests(sdist: Path, version: str, cache: Path) -> Path:
    target = cache / f"moto-{version}-tests-v{EXTRACT_FORMAT}"
    if (target / ".complete").is_file():
        log(f"moto {version} tests: reusing {target}")
        return target
    scratch = Path(tempfile.mkdtemp(prefix="extract-", dir=cache))
    os.chmod(scratch, 0o755)
    try:
        with tarfile.open(sdist, "r:gz") as archive:
            selected = select_members(archive)
            for path, member in selected.items():
                destination = scratch / path
                if ".." in Path(path).parts:
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as source, open(destination, "wb") as out:  # type: ignore[union-attr]
                    shutil.copyfileobj(source, out)
        (scratch / ".complete").write_text("\n".join(selected) + "\n", encoding="utf-8")
        helpers = [p for p in selected if not any(p.startswith(d + "/") for d in TEST_DIRS)]
        log(f"moto {version} tests: extracted {len(selected)} files to {target}")
        log(f"  helpers outside the Lambda test dirs: {', '.join(helpers)}")
        try:
            os.replace(scratch, target)
        except OSError:
            if not (target / ".complete").is_file():  # a stale, incomplete copy: replace it
                shutil.rmtree(target, ignore_errors=True)
                os.replace(scratch, target)
        return target
    except tarfile.TarError as exc:
        raise SuiteError(f"cannot read {sdist}: {exc}") from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# 4-5: the run


def write_pytest_ini(root: Path) -> Path:
    """moto's pytest settings, without its ``--color=yes``; rewritten only when it changed."""
    ini = root / "pytest.ini"
    if not ini.is_file() or ini.read_text(encoding="utf-8") != PYTEST_INI:
        fd, scratch = tempfile.mkstemp(prefix="pytest.ini.", dir=root)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(PYTEST_INI)
        os.replace(scratch, ini)
    return ini


def run_environment(include_docker_tests: bool, report: Path) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items()
        if key in _KEEP or not (key.startswith(_DROP_PREFIXES) or key in _DROP_EXACT)
    }
    env.update(_FORCED_ENV)
    if not include_docker_tests:
        env["TESTS_SKIP_REQUIRES_DOCKER"] = "1"
    env["MOTO_COMPAT_REPORT"] = str(report)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    return env


def run_suite(root: Path, include_docker_tests: bool, extra_args: list[str], timeout: float,
              verbose: bool) -> tuple[int, dict[str, dict[str, str]], str]:
    workdir = Path(tempfile.mkdtemp(prefix="mocklambda-moto-compat-"))
    report, output_file = workdir / "outcomes.json", workdir / "pytest-output.txt"
    command = [
        sys.executable, "-m", "pytest", *TEST_DIRS,
        "--mocklambda",
        "-c", str(write_pytest_ini(root)), "--rootdir", str(root), "--confcutdir", str(root),
        "-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:randomly", "-p", PLUGIN,
        "-q", "-rfE", "--color=no", "--tb=short",
        *extra_args,
    ]
    env = run_environment(include_docker_tests, report)
    log(f"running: {' '.join(command[1:])}")
    log(f"  in {root}, TESTS_SKIP_REQUIRES_DOCKER={env.get('TESTS_SKIP_REQUIRES_DOCKER', '(unset)')}")
    try:
        with open(output_file, "w", encoding="utf-8") as out:
            process = subprocess.run(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                     timeout=timeout)
        output = output_file.read_text(encoding="utf-8", errors="replace")
        if verbose:
            log(output)
        if not report.is_file():
            raise SuiteError(f"pytest exited {process.returncode} without a report:\n{output[-5000:]}")
        outcomes = json.loads(report.read_text(encoding="utf-8"))
        return process.returncode, outcomes, output
    except subprocess.TimeoutExpired as exc:
        output = output_file.read_text(encoding="utf-8", errors="replace") if output_file.exists() else ""
        raise SuiteError(f"the moto suite ran past {timeout:.0f} s:\n{output[-5000:]}") from exc
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# 6: the comparison

_NODE_ID = re.compile(r"`(tests/[^`]+?::[^`]+)`")


def expected_differences(path: Path) -> dict[str, str]:
    """Node id → the table row's reason, from every table row whose first cell names node ids."""
    expected: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SuiteError(f"cannot read the expected differences: {exc}") from exc
    for line in text.splitlines():
        if not line.lstrip().startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not cells:
            continue
        for node_id in _NODE_ID.findall(cells[0]):
            expected[node_id] = " | ".join(cells[1:])
    return expected


def _essence(detail: str, limit: int = 3) -> str:
    lines = [line[1:].strip() for line in detail.splitlines() if line.startswith("E ")]
    lines = [line for line in lines if line and not line.startswith("Skipping ")]
    if not lines:
        lines = [line.strip() for line in detail.splitlines() if line.strip()][-limit:]
    text = " / ".join(lines[:limit])
    return text[:400]


def summarise(version: str, include_docker_tests: bool, returncode: int,
              outcomes: dict[str, dict[str, str]], expected: dict[str, str], elapsed: float,
              show_tracebacks: bool) -> int:
    counts = Counter(entry["outcome"] for entry in outcomes.values())
    missing_dependency = sorted(
        node for node, entry in outcomes.items()
        if entry["outcome"] == "skipped" and "missing optional dependency" in entry["detail"]
    )
    failing = {node: entry for node, entry in outcomes.items() if entry["outcome"] in ("failed", "error")}
    unexpected = {node: entry for node, entry in failing.items() if node not in expected}
    matched = sorted(node for node in failing if node in expected)
    now_passing = sorted(node for node in expected if outcomes.get(node, {}).get("outcome") in ("passed", "xpassed"))
    not_run = sorted(node for node in expected if node not in failing and node not in now_passing)

    mode = "requires_docker tests run in-process" if include_docker_tests else "requires_docker tests skipped"
    log("")
    log("=" * 100)
    log(f"moto {version} Lambda test suite under pytest --mocklambda ({mode}), {elapsed:.1f} s")
    log(
        f"  passed {counts['passed']}, failed {counts['failed']}, errors {counts['error']}, "
        f"skipped {counts['skipped']}, xfailed {counts['xfailed']}, xpassed {counts['xpassed']}"
        f"  ({len(outcomes)} tests)"
    )
    if missing_dependency:
        dependencies = sorted({outcomes[n]["detail"].rsplit(" ", 1)[-1] for n in missing_dependency})
        log(f"  of the skipped, {len(missing_dependency)} need an optional dependency that is not installed: "
            f"{', '.join(dependencies)}")
    log(f"  expected differences (EXPECTED_DIFFERENCES.md): {len(matched)} failed as listed, "
        f"{len(expected)} listed")
    if not_run:
        log(f"  listed but not run in this mode (skipped or absent): {len(not_run)}")
    for node in now_passing:
        log(f"  WARNING: listed in EXPECTED_DIFFERENCES.md but now passes: {node}")
    if unexpected:
        log(f"  UNEXPECTED FAILURES ({len(unexpected)}):")
        for node, entry in sorted(unexpected.items()):
            log(f"    {entry['outcome'].upper():6} {node}")
            log(f"           {_essence(entry['detail'])}")
        if show_tracebacks:
            for node, entry in sorted(unexpected.items()):
                log("")
                log(f"---- {node} ({entry['outcome']} in {entry['when']}) " + "-" * 20)
                log(entry["detail"][-6000:])
    status = 0
    if returncode not in (0, 1):
        log(f"  pytest exited {returncode} (not a test failure: usage, internal error or nothing collected)")
        status = 2
    elif not outcomes or counts["passed"] == 0:
        log("  no test passed: the run did not work")
        status = 2
    elif unexpected:
        status = 1
    log(f"RESULT: {'OK' if status == 0 else 'FAIL'} "
        f"({len(unexpected)} unexpected failure(s), {len(now_passing)} listed test(s) now passing)")
    log("=" * 100)
    return status


# --------------------------------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--include-docker-tests", action="store_true",
                        help="also run moto's @requires_docker tests (in-process under --mocklambda)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help=f"where the sdist and extracted tests are kept (default {DEFAULT_CACHE})")
    parser.add_argument("--sdist", type=Path, help="use this moto sdist instead of downloading one")
    parser.add_argument("--expected", type=Path, default=EXPECTED_FILE, help="the expected-differences table")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds the pytest run may take")
    parser.add_argument("-v", "--verbose", action="store_true", help="print pytest's whole output")
    parser.add_argument("--no-tracebacks", action="store_true",
                        help="do not print the tracebacks of unexpected failures")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --), e.g. -- -k invoke")
    args = parser.parse_args(list(argv) if argv is not None else None)

    started = time.monotonic()
    try:
        version = moto_version()
        cache = args.cache_dir.resolve()
        cache.mkdir(parents=True, exist_ok=True)
        sdist = args.sdist.resolve() if args.sdist else download_sdist(version, cache)
        root = extract_tests(sdist, version, cache)
        expected = expected_differences(args.expected)
        suite_started = time.monotonic()
        returncode, outcomes, output = run_suite(root, args.include_docker_tests, args.pytest_args,
                                                 args.timeout, args.verbose)
        elapsed = time.monotonic() - suite_started
    except SuiteError as exc:
        log(f"RESULT: FAIL (the moto suite could not be run: {exc})")
        return 2
    if returncode not in (0, 1) and not args.verbose:
        log(output[-5000:])
    status = summarise(version, args.include_docker_tests, returncode, outcomes, expected, elapsed,
                       show_tracebacks=not args.no_tracebacks)
    log(f"(total {time.monotonic() - started:.1f} s including download and extraction)")
    return status


if __name__ == "__main__":
    sys.exit(main())
