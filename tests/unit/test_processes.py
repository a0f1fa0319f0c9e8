"""The local stack's helper processes: a chatty child never blocks on its stderr, and a child that dies says why."""

from __future__ import annotations

import sys

import pytest

from local import processes


def test_a_child_writing_more_than_a_pipe_holds_still_starts(tmp_path):
    up = tmp_path / "up"
    script = (
        f"import sys, time; sys.stderr.write('x' * 1_000_000); sys.stderr.flush(); open({str(up)!r}, 'w'); "
        "time.sleep(60)"
    )

    def ready() -> None:
        if not up.exists():
            raise OSError("not yet")

    child = processes.start([sys.executable, "-c", script], ready, "chatty child", timeout=20)
    try:
        assert child.poll() is None
    finally:
        processes.stop(child)
    assert child.poll() is not None


def test_a_child_that_exits_says_what_it_printed_last():
    script = "import sys; sys.stderr.write('starting\\nport 1 is taken\\n'); sys.exit(3)"
    with pytest.raises(RuntimeError, match=r"dying child exited with 3: starting\nport 1 is taken"):
        processes.start([sys.executable, "-c", script], lambda: 1 / 0, "dying child", timeout=20)
