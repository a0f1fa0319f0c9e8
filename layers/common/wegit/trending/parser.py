"""Parse github.com trending pages (repositories, developers, language menu) into plain dicts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from wegit.errors import UnknownPageShape

__all__ = ["parse_developers", "parse_languages", "parse_repositories"]

GITHUB = "https://github.com"

# GitHub restyles these pages every few years (h1 became h2 in 2023, `tmp-` utility classes
# arrived in 2025), so every anchor below is structural or semantic: the `article.Box-row`
# row container, heading links, link targets (/stargazers, /forks, /sponsors/...),
# `itemprop`, `aria-checked`, element ids. Utility classes (colours, margins) are never used.
_ROW = "article.Box-row"
_HEADING_LINK = "h1 a[href], h2 a[href], h3 a[href]"

_COUNT = re.compile(r"\d[\d,]*")
_PERIOD_STARS = re.compile(r"(\d[\d,]*) stars? (?:today|this week|this month)")
_COLOR = re.compile(r"background-color\s*:\s*(#[0-9A-Fa-f]{3,8})\b")
# GitHub writes a typographic apostrophe; a straight one is accepted in case it gets normalised.
_EMPTY_STATE = "don\u2019t have any trending {what}|don't have any trending {what}"
_DEVELOPERS_MENU_PATH = re.compile(r"/trending/developers(?:/([^/]+))?")
_REPOSITORIES_MENU_PATH = re.compile(r"/trending/([^/]+)")


class _RowError(Exception):
    """One row does not have the expected shape; turned into UnknownPageShape for the whole page."""


def parse_repositories(html: str) -> list[dict[str, Any]]:
    """Rows of github.com/trending[/<language>]; raises UnknownPageShape rather than guess."""
    return _parse_rows(html, "repositories", _repository_row)


def parse_developers(html: str) -> list[dict[str, Any]]:
    """Rows of github.com/trending/developers[/<language>]; raises UnknownPageShape rather than guess."""
    return _parse_rows(html, "developers", _developer_row)


def _parse_rows(html: str, what: str, parse_row: Callable[[LexborNode], dict[str, Any]]) -> list[dict[str, Any]]:
    tree = LexborHTMLParser(html)
    rows = tree.css(_ROW)
    if not rows:
        return _empty_or_raise(tree, what)
    parsed: list[dict[str, Any]] = []
    for index, row in enumerate(rows, start=1):
        try:
            parsed.append(parse_row(row))
        except _RowError as exc:
            # One unreadable row means the markup moved under us; the other rows may be
            # silently wrong in the same way, so the whole page is refused.
            raise UnknownPageShape(f"trending {what} page, row {index}: {exc}") from exc
    return parsed


def parse_languages(html: str) -> list[dict[str, str]]:
    """List the language filter menu as [{"name", "slug"}] in page order; [] when there is no menu."""
    tree = LexborHTMLParser(html)
    # The menu list is the target of the filter box's aria-owns, so its id is functional and has
    # held from 2020 to 2026; the 2019 sidebar had neither id and is not read.
    menu = tree.css_first("#languages-menuitems") or tree.css_first("#select-menu-language")
    if menu is None:
        return []
    current = _current_language(tree)
    languages: list[dict[str, str]] = []
    seen: set[str] = set()
    for link in menu.css("a[href]"):
        name = _text(link)
        slug = _menu_slug(link.attributes.get("href") or "")
        if slug is None and _is_checked(link):
            # The selected language links to "clear the filter", so its slug is only in the
            # page's own URL.
            slug = current
        if not name or not slug or slug in seen:
            continue
        seen.add(slug)
        languages.append({"name": name, "slug": slug})
    return languages


def _repository_row(row: LexborNode) -> dict[str, Any]:
    heading = row.css_first(_HEADING_LINK)
    if heading is None:
        raise _RowError("no repository link in the heading (expected h1/h2 a[href])")
    segments = _path_segments(heading.attributes.get("href"))
    if len(segments) != 2:
        raise _RowError(f"heading link {heading.attributes.get('href')!r} is not /<owner>/<name>")
    author, name = segments
    repo_path = f"/{author}/{name}"

    stars: int | None = None
    forks = 0
    for link in row.css("a[href]"):
        path = urlsplit(link.attributes.get("href") or "").path
        if path == f"{repo_path}/stargazers":
            stars = _count(link, "stars")
        elif path == f"{repo_path}/forks" or path.startswith(f"{repo_path}/network/members"):
            # Until 2021 the forks link went to /network/members.<name>, later to /forks.
            forks = _count(link, "forks")
    if stars is None:
        raise _RowError(f"no {repo_path}/stargazers link")

    description_node = row.css_first("p")
    language_node = row.css_first("[itemprop=programmingLanguage]")
    color_node = row.css_first(".repo-language-color")
    color_match = _COLOR.search(color_node.attributes.get("style") or "") if color_node else None

    return {
        "author": author,
        "name": name,
        "url": f"{GITHUB}{repo_path}",
        # The row shows contributors' avatars but never the owner's; github.com/<owner>.png
        # redirects to the owner's current avatar without an API call.
        "avatar": f"{GITHUB}/{author}.png",
        "description": _text(description_node) or None,
        "language": _text(language_node) or None,
        "languageColor": color_match.group(1) if color_match else None,
        "stars": stars,
        "forks": forks,
        "currentPeriodStars": _period_stars(row),
        "builtBy": _built_by(row),
    }


def _period_stars(row: LexborNode) -> int:
    for span in row.css("span"):
        match = _PERIOD_STARS.fullmatch(_text(span))
        if match:
            return int(match.group(1).replace(",", ""))
    return 0


def _built_by(row: LexborNode) -> list[dict[str, str]]:
    people: list[dict[str, str]] = []
    for img in row.css("a[href] img"):
        link = _enclosing_link(img, row)
        href = (link.attributes.get("href") or "") if link else ""
        segments = _path_segments(href)
        # Bots link to /apps/<slug> (dependabot, renovate, github-actions); their slug is the
        # only name the link itself carries, and the link stays where GitHub points it.
        if len(segments) == 1 or (len(segments) == 2 and segments[0] == "apps"):
            username = segments[-1]
        else:
            raise _RowError(f"'Built by' avatar links to {href!r}, not to a user or app")
        src = img.attributes.get("src")
        if not src:
            raise _RowError(f"'Built by' avatar of {username} has no src")
        people.append({"username": username, "href": _absolute(href), "avatar": src})
    return people


def _developer_row(row: LexborNode) -> dict[str, Any]:
    popular = _popular_repo_node(row)

    heading = next((a for a in row.css(_HEADING_LINK) if not _inside(a, popular)), None)
    if heading is None:
        raise _RowError("no developer link in the heading (expected h1/h2 a[href])")
    segments = _path_segments(heading.attributes.get("href"))
    if len(segments) != 1:
        raise _RowError(f"heading link {heading.attributes.get('href')!r} is not /<login>")
    username = segments[0]
    user_path = f"/{username}"

    user_links = [
        a
        for a in row.css("a[href]")
        if not _inside(a, popular) and urlsplit(a.attributes.get("href") or "").path == user_path
    ]
    avatar_img = next((img for a in user_links for img in a.css("img")), None)
    avatar = avatar_img.attributes.get("src") if avatar_img else None
    if not avatar:
        raise _RowError(f"no avatar image linking to {user_path}")

    # A second line showing the login means the heading holds a display name; without it the
    # heading is just the login repeated.
    shows_login_line = any(a.parent is not None and a.parent.tag == "p" for a in user_links)
    display = _text(heading)
    name = display if display and (shows_login_line or display != username) else None

    is_org = any(
        a.attributes.get("data-hovercard-type") == "organization"
        or (a.attributes.get("data-hovercard-url") or "").startswith("/orgs/")
        for a in user_links
    )
    sponsor = next(
        (
            a.attributes.get("href") or ""
            for a in row.css("a[href]")
            if urlsplit(a.attributes.get("href") or "").path.startswith("/sponsors/")
        ),
        None,
    )
    return {
        "username": username,
        "name": name,
        "type": "organization" if is_org else "user",
        "url": f"{GITHUB}{user_path}",
        "avatar": avatar,
        "sponsorUrl": _absolute(sponsor) if sponsor else None,
        "repo": _popular_repo(popular) if popular is not None else None,
    }


def _popular_repo_node(row: LexborNode) -> LexborNode | None:
    # Lexbor's css() also matches the node it is called on, and the row is an <article> too.
    return next((n for n in row.css("article") if n.mem_id != row.mem_id), None)


def _popular_repo(article: LexborNode) -> dict[str, Any]:
    link = article.css_first(_HEADING_LINK)
    href = link.attributes.get("href") if link else None
    segments = _path_segments(href)
    if link is None or len(segments) != 2:
        raise _RowError(f"popular repo link {href!r} is not /<owner>/<name>")
    # The description is whatever follows the heading; its wrapper's classes changed with
    # every redesign, its position did not.
    after_heading: list[str] = []
    heading_seen = False
    for child in article.iter():
        if heading_seen:
            after_heading.append(_text(child))
        elif _inside(link, child):
            heading_seen = True
    description = " ".join(part for part in after_heading if part)
    return {
        "name": segments[1],
        "description": description or None,
        "url": f"{GITHUB}/{segments[0]}/{segments[1]}",
    }


def _empty_or_raise(tree: LexborHTMLParser, what: str) -> list[dict[str, Any]]:
    body_text = _text(tree.body) if tree.body is not None else ""
    if re.search(_EMPTY_STATE.format(what=what), body_text, re.IGNORECASE):
        return []
    raise UnknownPageShape(
        f"not a known trending {what} page: no {_ROW} rows and no "
        f'"It looks like we don\'t have any trending {what}" notice'
    )


def _current_language(tree: LexborHTMLParser) -> str | None:
    canonical = tree.css_first("link[rel=canonical]")
    return _menu_slug(canonical.attributes.get("href") or "") if canonical else None


def _menu_slug(href: str) -> str | None:
    path = urlsplit(href).path.rstrip("/")
    match = _DEVELOPERS_MENU_PATH.fullmatch(path) or _REPOSITORIES_MENU_PATH.fullmatch(path)
    return unquote(match.group(1)) if match and match.group(1) else None


def _is_checked(link: LexborNode) -> bool:
    classes = (link.attributes.get("class") or "").split()
    return link.attributes.get("aria-checked") == "true" or "selected" in classes


def _count(link: LexborNode, what: str) -> int:
    text = _text(link)
    if not _COUNT.fullmatch(text):
        raise _RowError(f"{what} count {text!r} is not a number")
    return int(text.replace(",", ""))


def _path_segments(href: str | None) -> list[str]:
    if not href:
        return []
    parts = urlsplit(href)
    if parts.netloc and parts.netloc != "github.com":
        return []
    return [segment for segment in parts.path.split("/") if segment]


def _absolute(href: str) -> str:
    return urljoin(GITHUB + "/", href)


def _enclosing_link(node: LexborNode, stop: LexborNode) -> LexborNode | None:
    current = node.parent
    while current is not None and current.mem_id != stop.mem_id:
        if current.tag == "a":
            return current
        current = current.parent
    return None


def _inside(node: LexborNode, ancestor: LexborNode | None) -> bool:
    if ancestor is None:
        return False
    current: LexborNode | None = node
    while current is not None:
        if current.mem_id == ancestor.mem_id:
            return True
        current = current.parent
    return False


def _text(node: LexborNode | None) -> str:
    return " ".join(node.text().split()) if node is not None else ""
