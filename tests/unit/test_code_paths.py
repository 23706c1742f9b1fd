"""A package's paths as Lambda shows them (``/var/task``, ``/opt``) and where they are on this machine:
``CodeBundle.aws_path`` and ``local_path`` (an ``AWS_LAMBDA_EXEC_WRAPPER`` is named by its Lambda path)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._runtime.sandbox import CodeBundle

names = st.lists(st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1,
                         max_size=8), max_size=3).map("/".join)


@pytest.fixture(scope="module")
def bundle() -> Iterator[CodeBundle]:
    made = CodeBundle(b"", [])
    yield made
    made.remove()


@given(st.sampled_from(["/var/task", "/opt"]), names)
def test_a_lambda_path_maps_to_the_package_and_back(bundle: CodeBundle, remote: str, name: str) -> None:
    """Property: ``aws_path(local_path(p)) == p`` for any path under /var/task or /opt."""
    path = f"{remote}/{name}" if name else remote
    local = bundle.local_path(path)
    assert local.startswith(str(bundle.root))
    assert bundle.aws_path(local) == path


def test_other_paths_are_left_as_they_are(bundle: CodeBundle) -> None:
    for path in ("/idontexist", "/var/taskforce/x", "/optional", "relative/path"):
        assert bundle.local_path(path) == path
    assert bundle.local_path("/var/task/environment_wrapper") == str(bundle.task_dir / "environment_wrapper")
