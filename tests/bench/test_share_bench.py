"""Share codes, measured (`pytest tests/bench/test_share_bench.py -s`, a few seconds): the first share of a target
calls WeChat once; sharing it again, and serving its code, calls WeChat never, however often. Against DynamoDB
Local, moto's S3 and the WeChat fake on this machine."""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

from tests.integration.test_share import caller, login, shares  # noqa: F401 - the fixture, used below

REPEATS = 50


def test_a_code_served_again_and_again_makes_one_wechat_call(shares, wechat):  # noqa: F811 - the fixture
    target = {"login": login()}
    started = time.perf_counter()
    shown, made = shares.share(caller(), "developer", target)
    first_ms = (time.perf_counter() - started) * 1000
    assert made
    calls = wechat.code_calls
    again_ms, image_ms = [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        assert shares.share(caller(), "developer", target)[1] is False
        again_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        shares.image(shown["id"])
        image_ms.append((time.perf_counter() - started) * 1000)
    assert wechat.code_calls == calls, "a share made before called WeChat again"
    assert wechat.codes_made == 1
    figures = {
        "repeats": REPEATS,
        "first_ms": round(first_ms, 1),
        "again_p50_ms": round(statistics.median(again_ms), 1),
        "image_p50_ms": round(statistics.median(image_ms), 1),
        "wechat_calls_after_the_first": wechat.code_calls - calls,
    }
    if os.environ.get("BENCH_SHARE_JSON"):  # make bench (bench/share.py) reads the figures from here
        Path(os.environ["BENCH_SHARE_JSON"]).write_text(json.dumps(figures))
    print(
        f"\nshare codes: first share {first_ms:.1f} ms (WeChat called once); {REPEATS} more shares "
        f"p50 {statistics.median(again_ms):.1f} ms, {REPEATS} image reads p50 {statistics.median(image_ms):.1f} ms; "
        f"WeChat calls after the first: {wechat.code_calls - calls}"
    )
