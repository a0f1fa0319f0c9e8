"""tests/shared is a faithful copy of the shared/ folder beside the repository, when that folder is there."""

from __future__ import annotations

import pytest

from local.template import ROOT

LIVE = ROOT.parent / "shared"
COPY = ROOT / "tests" / "shared"


def files(base):
    paths = [base / "CLIENT_CONTRACT.md", base / "WECHAT.md", *sorted((base / "fixtures").rglob("*"))]
    return {path.relative_to(base): path.read_bytes() for path in paths if path.is_file()}


def test_copy_matches_the_live_shared_folder():
    if not (LIVE / "fixtures").is_dir():
        pytest.skip("no shared/ beside the repository: the copy is all there is")
    live, copy = files(LIVE), files(COPY)
    assert sorted(copy) == sorted(live), "refresh tests/shared from ../shared"
    changed = [str(name) for name in live if live[name] != copy[name]]
    assert not changed, f"refresh tests/shared from ../shared: {changed}"
