"""Subscribe-message values within WeChat's keyword rules (the WeChat fake applies the same rules: WECHAT.md)."""

from __future__ import annotations

import re

import pytest

from local.fakes.wechat import _RULES, _message_refusal, openid_for
from wegit.notifications import compose
from wegit.settings import get_settings

OPENID = openid_for("someone")


@pytest.fixture(autouse=True)
def templates(monkeypatch):
    monkeypatch.setenv("WECHAT_TEMPLATE_IDS", "tmpl-github-notification,tmpl-github-release")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def item(repo="octo/hello", title="Fix it", kind="Issue", updated_at="2026-11-25T12:00:00Z"):
    return compose.Item(repo, title, kind, updated_at)


def test_cut_keeps_twenty_characters_with_an_ellipsis():
    assert compose.cut("short") == "short"
    assert compose.cut("x" * 20) == "x" * 20
    assert compose.cut("x" * 21) == "x" * 19 + "…"
    assert compose.cut("  line\nbreaks\tand\x00ctl  ") == "line breaks andctl"
    assert compose.cut("") == "GitHub"  # never empty: WeChat refuses an empty thing
    assert compose.cut("中文标题" * 10) == "中文标题" * 4 + "中文标" + "…"


def test_phrases_are_at_most_five_cjk_characters():
    for phrase in (*compose.KINDS.values(), compose.SEVERAL, compose.phrase("Review requested 审查请求审查")):
        assert _RULES["phrase"].match(compose.phrase(phrase)), phrase


def test_time_is_china_standard_time_as_wechat_writes_it():
    assert compose.when("2026-11-25T16:30:00Z") == "2026-11-26 00:30"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", compose.when("garbage"))


@pytest.mark.parametrize(
    "items",
    [
        [item()],
        [item(title="A very long title of an issue that goes on and on " * 3, kind="PullRequest")],
        [item(kind="SomethingNew")],
        [item(), item(title="second"), item(repo="other/repository-with-a-long-name")],
    ],
)
def test_every_message_passes_the_keyword_rules(items):
    message = compose.notification_message(OPENID, "sub1", items)
    assert _message_refusal(message) == 0, message
    assert message["page"] == "pages/notifications/index?subscription=sub1"


def test_several_items_are_summarised():
    message = compose.notification_message(
        OPENID, "s", [item(), item(title="two")], pending=1, pending_title="octo/hello"
    )
    assert message["data"]["thing1"]["value"] == "octo/hello"
    assert message["data"]["thing2"]["value"] == "3 new notifications"
    several = compose.notification_message(OPENID, "s", [item(), item(repo="a/b")])
    assert several["data"]["thing1"]["value"] == "2 repositories"


def test_a_release_message_uses_the_release_template():
    release = {"name": "Version 2.0: the big one with a long name", "published_at": "2026-11-25T00:00:00Z"}
    message = compose.release_message(OPENID, "s", "octo/hello", release)
    assert message["template_id"] == "tmpl-github-release"
    assert _message_refusal(message) == 0
    assert compose.release_message(OPENID, "s", "octo/hello", release, pending=2)["data"]["thing2"]["value"] == (
        "3 new releases, lat…"
    )


def test_cut_counts_utf16_units_as_wechat_does_and_never_splits_an_emoji():
    assert compose.units("🎉") == 2
    assert compose.cut("🎉" * 10) == "🎉" * 10  # exactly 20 units
    assert compose.cut("🎉" * 11) == "🎉" * 9 + "…"
    assert compose.cut("a" + "🎉" * 10) == "a" + "🎉" * 9 + "…"  # 19 + 1 units, no half emoji
    message = compose.notification_message(OPENID, "s1", [item(repo="octo/" + "🚀" * 12, title="✨🎉" * 12)])
    assert _message_refusal(message) == 0
    assert all(compose.units(v["value"]) <= 20 for k, v in message["data"].items() if k.startswith("thing"))
