"""Subscribe messages as WeChat accepts them: every value within its keyword's rule (WECHAT.md; a value
breaking one is refused with 47003), cut with an ellipsis, times in China Standard Time. Lengths are counted as
WeChat (JavaScript) counts them, in UTF-16 code units: an emoji outside the BMP is two of them, and a cut never
splits one in half. Each message names the mini-program version it opens (`miniprogram_state`, per stage:
WECHAT_MINIPROGRAM_STATE) and its language (WECHAT_LANG).

The templates (chosen in the mini-program's admin console) have these keywords:
- notifications (the first of WECHAT_TEMPLATE_IDS): thing1 repository, thing2 what happened, phrase3 kind,
  time4 when;
- releases (the second; the first when only one is configured): thing1 repository, thing2 release, time3 when."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from wegit.settings import SettingsError, get_settings

THING = 20  # UTF-16 code units, as WeChat counts characters
PHRASE = 5  # CJK characters
# The most UTF-16 code units a value of each keyword type may hold (WECHAT.md); `name` is 10 when it is CJK.
LIMITS = {"thing": THING, "phrase": PHRASE, "character_string": 32, "number": 32, "name": 20}
NAME_CJK = 10
STATES = ("formal", "trial", "developer")
LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")
ELLIPSIS = "…"
CHINA = timezone(timedelta(hours=8))
KINDS = {  # GitHub's subject type -> a phrase of at most 5 CJK characters
    "PullRequest": "拉取请求",
    "Issue": "议题",
    "Release": "新版本",
    "Commit": "提交",
    "Discussion": "讨论",
    "CheckSuite": "检查",
    "RepositoryVulnerabilityAlert": "安全警报",
    "RepositoryDependabotAlertsThread": "安全警报",
}
SEVERAL = "新通知"
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def units(text: str) -> int:
    """The length WeChat sees: UTF-16 code units (a character outside the BMP, e.g. most emoji, is two)."""
    return len(text.encode("utf-16-le")) // 2


def _within(text: str, limit: int) -> str:
    """The longest start of `text` of at most `limit` UTF-16 units, whole characters only."""
    taken, used = [], 0
    for char in text:
        used += units(char)
        if used > limit:
            break
        taken.append(char)
    return "".join(taken)


def cut(text: str, limit: int = THING) -> str:
    """One line of at most `limit` UTF-16 units, ending with an ellipsis when it was longer; never empty."""
    line = _CONTROL.sub("", _SPACE.sub(" ", text)).strip() or "GitHub"
    return line if units(line) <= limit else _within(line, limit - units(ELLIPSIS)).rstrip() + ELLIPSIS


def fit(data: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Every value cut to its keyword's limit (by the key's prefix: thing1 is a `thing`); the last guard before
    WeChat, whatever built the value."""
    fitted: dict[str, dict[str, str]] = {}
    for key, value in data.items():
        kind, text = re.sub(r"\d+$", "", key), value["value"]
        limit = LIMITS.get(kind)
        if kind == "name" and any("\u4e00" <= char <= "\u9fff" for char in text):
            limit = NAME_CJK
        fitted[key] = {"value": cut(text, limit) if limit and kind != "phrase" else text}
    return fitted


def delivery_options() -> dict[str, str]:
    """Which version of the mini-program the message opens and in which language: per stage, from the template
    (formal / zh_CN unless the stage says otherwise; an unknown value falls back to those)."""
    state = os.environ.get("WECHAT_MINIPROGRAM_STATE", "").strip()
    lang = os.environ.get("WECHAT_LANG", "").strip()
    return {"miniprogram_state": state if state in STATES else "formal", "lang": lang if lang in LANGS else "zh_CN"}


def phrase(text: str) -> str:
    cjk = "".join(char for char in text if "\u4e00" <= char <= "\u9fff")
    return (cjk or SEVERAL)[:PHRASE]


def when(iso: str | None) -> str:
    """GitHub's ISO time as WeChat's `time` keyword wants it, in China Standard Time: 2026-11-25 20:00."""
    try:
        moment = datetime.fromisoformat((iso or "").replace("Z", "+00:00"))
    except ValueError:
        moment = datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def template_for(kind: str) -> str:
    templates = get_settings().wechat_templates
    if not templates:
        raise SettingsError("WECHAT_TEMPLATE_IDS must list the subscribe-message templates")
    return templates[1] if kind == "releases" and len(templates) > 1 else templates[0]


def page(sub_id: str) -> str:
    return f"{get_settings().wechat_page}?subscription={sub_id}"


@dataclass(frozen=True)
class Item:
    """One GitHub notification, as much of it as a message shows."""

    repo: str
    title: str
    kind: str
    updated_at: str


def notification_item(raw: dict[str, Any]) -> Item:
    subject: dict[str, Any] = raw["subject"] if isinstance(raw.get("subject"), dict) else {}
    repository: dict[str, Any] = raw["repository"] if isinstance(raw.get("repository"), dict) else {}
    return Item(
        repo=str(repository.get("full_name") or ""),
        title=str(subject.get("title") or ""),
        kind=str(subject.get("type") or ""),
        updated_at=str(raw.get("updated_at") or ""),
    )


def summary(count: int, repos: Sequence[str]) -> tuple[str, str]:
    """(thing1, thing2) for several items: "owner/repo" + "3 new notifications" (or "in 2 repositories")."""
    distinct = sorted(set(filter(None, repos)))
    where = distinct[0] if len(distinct) == 1 else f"{len(distinct)} repositories"
    return cut(where), cut(f"{count} new notifications")


def notification_message(
    openid: str, sub_id: str, items: Sequence[Item], pending: int = 0, pending_title: str | None = None
) -> dict[str, Any]:
    """One message for the new items and those that waited for a grant (`pending`, the last one's repository in
    `pending_title`). One item: its repository and title; several: "3 new notifications" in the repository."""
    total = len(items) + pending
    newest = max(items, key=lambda item: item.updated_at) if items else None
    if total == 1 and newest is not None:
        repo, title, kind = cut(newest.repo), cut(newest.title), phrase(KINDS.get(newest.kind, SEVERAL))
    else:
        repos = [item.repo for item in items] + ([pending_title] if pending and pending_title else [])
        (repo, title), kind = summary(total, repos), SEVERAL
    return {
        "touser": openid,
        "template_id": template_for("notifications"),
        "page": page(sub_id),
        "data": fit(
            {
                "thing1": {"value": repo},
                "thing2": {"value": title},
                "phrase3": {"value": kind},
                "time4": {"value": when(newest.updated_at if newest else None)},
            }
        ),
        **delivery_options(),
    }


def release_message(openid: str, sub_id: str, repo: str, release: dict[str, Any], pending: int = 0) -> dict[str, Any]:
    name = str(release.get("name") or release.get("tag_name") or "")
    what = cut(name) if not pending else cut(f"{pending + 1} new releases, latest {name}")
    return {
        "touser": openid,
        "template_id": template_for("releases"),
        "page": page(sub_id),
        "data": fit(
            {
                "thing1": {"value": cut(repo)},
                "thing2": {"value": what},
                "time3": {"value": when(release.get("published_at"))},
            }
        ),
        **delivery_options(),
    }
