"""Unit tests of wegit.trending.parser against github.com trending pages recorded 2019-2026."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest

from local.template import SHARED
from wegit.errors import UnknownPageShape
from wegit.trending.parser import parse_developers, parse_languages, parse_repositories

FIXTURES = SHARED / "fixtures" / "trending"

REPOSITORY_PAGES = {
    "repositories_2026-05-07_rust_weekly.html": 16,
    "repositories_2023-05-18_all_daily.html": 25,
    "repositories_2021-04-07_typescript_daily.html": 25,
    "repositories_2021-04-07_v_daily_short.html": 4,
    "repositories_2020-02-28_all_daily.html": 25,
}
DEVELOPER_PAGES = {
    "developers_2021-04-07_python_daily.html": 25,
    "developers_2021-04-07_elixir_daily_short.html": 15,
    "developers_2020-02-10_all_daily.html": 25,
    "developers_2020-02-28_all_daily.html": 25,
}
OLD_2019_PAGE = "repositories_2019-05-11_all_daily_old_markup.html"


@cache
def page(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def repositories(name: str) -> dict[str, dict[str, Any]]:
    return {f"{row['author']}/{row['name']}": row for row in parse_repositories(page(name))}


def developers(name: str) -> dict[str, dict[str, Any]]:
    return {row["username"]: row for row in parse_developers(page(name))}


def without_query(url: str) -> str:
    return url.split("?", 1)[0]


def replace_once(html: str, old: str, new: str) -> str:
    assert html.count(old) == 1, f"derivation anchor {old!r} must occur exactly once"
    return html.replace(old, new)


def strip_rows(html: str) -> str:
    """Cut every row (and what sits between them) out of a page, keeping the chrome."""
    first = html.index('<article class="Box-row')
    last = html.rindex("</article>") + len("</article>")
    return html[:first] + "<!-- rows -->" + html[last:]


# --- every page, every row -------------------------------------------------------------


@pytest.mark.parametrize(("name", "count"), REPOSITORY_PAGES.items())
def test_repository_pages_parse_every_row(name: str, count: int) -> None:
    rows = parse_repositories(page(name))

    assert len(rows) == count
    for row in rows:
        assert re.fullmatch(r"[\w.-]+", row["author"])
        assert re.fullmatch(r"[\w.-]+", row["name"])
        assert row["url"] == f"https://github.com/{row['author']}/{row['name']}"
        assert row["avatar"] == f"https://github.com/{row['author']}.png"
        assert row["description"] is None or (row["description"] and row["description"] == row["description"].strip())
        assert (row["language"] is None) == (row["languageColor"] is None)
        assert row["languageColor"] is None or re.fullmatch(r"#[0-9A-Fa-f]{6}", row["languageColor"])
        assert all(isinstance(row[key], int) and row[key] >= 0 for key in ("stars", "forks", "currentPeriodStars"))
        for person in row["builtBy"]:
            assert person["href"].startswith("https://github.com/")
            assert person["href"].endswith("/" + person["username"])
            assert person["avatar"].startswith("https://avatars")


@pytest.mark.parametrize(("name", "count"), DEVELOPER_PAGES.items())
def test_developer_pages_parse_every_row(name: str, count: int) -> None:
    rows = parse_developers(page(name))

    assert len(rows) == count
    html = page(name)
    for row in rows:
        # Every developer row carries id="pa-<login>"; the parser reads the login from links,
        # so the id is an independent check.
        assert f'id="pa-{row["username"]}"' in html
        assert row["url"] == f"https://github.com/{row['username']}"
        assert row["type"] == "user"
        assert row["avatar"].startswith("https://avatars")
        assert row["sponsorUrl"] in (None, f"https://github.com/sponsors/{row['username']}")
        # No row in these pages lacks a popular repo.
        assert row["repo"] is not None
        assert row["repo"]["url"].endswith("/" + row["repo"]["name"])


# --- exact rows, read off the HTML -------------------------------------------------------


def test_2020_repositories_first_row_without_language() -> None:
    first = parse_repositories(page("repositories_2020-02-28_all_daily.html"))[0]

    assert first == {
        "author": "jwasham",
        "name": "coding-interview-university",
        "url": "https://github.com/jwasham/coding-interview-university",
        "avatar": "https://github.com/jwasham.png",
        "description": "A complete computer science study plan to become a software engineer.",
        "language": None,
        "languageColor": None,
        "stars": 99949,
        "forks": 29350,
        "currentPeriodStars": 498,
        "builtBy": [
            {
                "username": "jwasham",
                "href": "https://github.com/jwasham",
                "avatar": "https://avatars0.githubusercontent.com/u/3771963?s=40&v=4",
            },
            {
                "username": "avizmarlon",
                "href": "https://github.com/avizmarlon",
                "avatar": "https://avatars3.githubusercontent.com/u/24354489?s=40&v=4",
            },
            {
                "username": "YoSaucedo",
                "href": "https://github.com/YoSaucedo",
                "avatar": "https://avatars0.githubusercontent.com/u/13459501?s=40&v=4",
            },
            {
                "username": "aleen42",
                "href": "https://github.com/aleen42",
                "avatar": "https://avatars3.githubusercontent.com/u/9573300?s=40&v=4",
            },
            {
                "username": "strollkim",
                "href": "https://github.com/strollkim",
                "avatar": "https://avatars2.githubusercontent.com/u/14087177?s=40&v=4",
            },
        ],
    }


def test_2020_repositories_language_and_separators() -> None:
    rows = repositories("repositories_2020-02-28_all_daily.html")

    atm = rows["allthemusicllc/atm-cli"]
    assert (atm["language"], atm["languageColor"]) == ("Rust", "#dea584")
    assert (atm["stars"], atm["forks"], atm["currentPeriodStars"]) == (652, 57, 171)
    assert [p["username"] for p in atm["builtBy"]] == ["allthemusicllc"]
    awesome = rows["sindresorhus/awesome"]
    assert (awesome["stars"], awesome["forks"], awesome["currentPeriodStars"]) == (126942, 16931, 232)
    assert awesome["language"] is None


def test_2021_typescript_repositories() -> None:
    rows = parse_repositories(page("repositories_2021-04-07_typescript_daily.html"))
    by_name = {f"{r['author']}/{r['name']}": r for r in rows}

    first = rows[0]
    assert (first["author"], first["name"]) == ("benawad", "dogehouse")
    assert (first["language"], first["languageColor"]) == ("TypeScript", "#2b7489")
    assert (first["stars"], first["forks"], first["currentPeriodStars"]) == (6692, 999, 65)
    liquity = by_name["liquity/liquity"]
    assert liquity["description"] == "Decentralized Borrowing Protocol"
    # "1 stars today": GitHub does not singularise.
    assert (liquity["stars"], liquity["forks"], liquity["currentPeriodStars"]) == (35, 23, 1)
    assert [p["username"] for p in liquity["builtBy"]] == [
        "danielattilasimon",
        "edmulraney",
        "bingen",
        "RickGriff",
        "ricktobacco",
    ]
    wdio = by_name["webdriverio/webdriverio"]
    assert (wdio["stars"], wdio["forks"], wdio["currentPeriodStars"]) == (6545, 1885, 4)
    # A bot among the contributors links to /apps/<slug>, not to a user page.
    assert wdio["builtBy"][1] == {
        "username": "dependabot-preview",
        "href": "https://github.com/apps/dependabot-preview",
        "avatar": "https://avatars.githubusercontent.com/in/2141?s=40&v=4",
    }


def test_2021_v_short_page() -> None:
    rows = parse_repositories(page("repositories_2021-04-07_v_daily_short.html"))

    assert [f"{r['author']}/{r['name']}" for r in rows] == [
        "vlang/v",
        "vlang/vls",
        "Kodular/Starter",
        "vlang/ui",
    ]
    assert {r["language"] for r in rows} == {"V"}
    starter = rows[2]
    assert starter["description"] == "Kodular Starter to test apps live via USB"
    assert (starter["stars"], starter["forks"], starter["currentPeriodStars"]) == (16, 8, 0)
    assert [p["username"] for p in starter["builtBy"]] == ["pavi2410", "barreeeiroo", "SivagiriVisakan"]


def test_2023_repositories_h2_markup() -> None:
    rows = parse_repositories(page("repositories_2023-05-18_all_daily.html"))
    by_name = {f"{r['author']}/{r['name']}": r for r in rows}

    assert rows[0] == {
        "author": "smol-ai",
        "name": "developer",
        "url": "https://github.com/smol-ai/developer",
        "avatar": "https://github.com/smol-ai.png",
        "description": "with 100k context windows on the way, it's now feasible for every dev to have "
        "their own smol developer",
        "language": "Python",
        "languageColor": "#3572A5",
        "stars": 5096,
        "forks": 277,
        "currentPeriodStars": 1582,
        "builtBy": [
            {
                "username": "sw-yx",
                "href": "https://github.com/sw-yx",
                "avatar": "https://avatars.githubusercontent.com/u/6764957?s=40&v=4",
            },
            {
                "username": "talboren",
                "href": "https://github.com/talboren",
                "avatar": "https://avatars.githubusercontent.com/u/68807791?s=40&v=4",
            },
            {
                "username": "Kilian",
                "href": "https://github.com/Kilian",
                "avatar": "https://avatars.githubusercontent.com/u/41970?s=40&v=4",
            },
            {
                "username": "fardeem",
                "href": "https://github.com/fardeem",
                "avatar": "https://avatars.githubusercontent.com/u/2018374?s=40&v=4",
            },
        ],
    }
    no_description = by_name["haoel/haoel.github.io"]
    assert no_description["description"] is None
    assert (no_description["language"], no_description["languageColor"]) == ("Shell", "#89e051")
    assert (no_description["stars"], no_description["forks"], no_description["currentPeriodStars"]) == (
        11050,
        1665,
        81,
    )
    no_language = by_name["geekan/HowToLiveLonger"]
    assert (no_language["language"], no_language["languageColor"]) == (None, None)
    assert no_language["description"] == "程序员延寿指南 | A programmer's guide to live longer"
    biggest = by_name["public-apis/public-apis"]
    assert (biggest["stars"], biggest["forks"], biggest["currentPeriodStars"]) == (240084, 27440, 97)


def test_2026_rust_weekly_tmp_markup() -> None:
    html = page("repositories_2026-05-07_rust_weekly.html")
    rows = parse_repositories(html)
    by_name = {f"{r['author']}/{r['name']}": r for r in rows}

    # The weekly page says "N stars this week", never "stars today".
    assert "stars this week" in html
    assert "stars today" not in html
    warp = rows[0]
    assert (warp["author"], warp["name"]) == ("warpdotdev", "warp")
    assert warp["description"] == "Warp is an agentic development environment, born out of the terminal."
    assert (warp["stars"], warp["forks"], warp["currentPeriodStars"]) == (55730, 4088, 15633)
    assert (rows[1]["author"], rows[1]["name"], rows[1]["currentPeriodStars"]) == ("1jehuang", "jcode", 3332)
    assert {(r["language"], r["languageColor"]) for r in rows} == {("Rust", "#dea584")}
    sail = by_name["lakehq/sail"]
    assert (sail["stars"], sail["forks"], sail["currentPeriodStars"]) == (2405, 133, 239)
    assert [(p["username"], p["href"]) for p in sail["builtBy"]] == [
        ("linhr", "https://github.com/linhr"),
        ("shehabgamin", "https://github.com/shehabgamin"),
        ("dependabot", "https://github.com/apps/dependabot"),
        ("lonless9", "https://github.com/lonless9"),
        ("copilot-swe-agent", "https://github.com/apps/copilot-swe-agent"),
    ]


def test_2020_developers_first_row() -> None:
    rows = parse_developers(page("developers_2020-02-10_all_daily.html"))

    assert rows[0] == {
        "username": "wkentaro",
        "name": "Kentaro Wada",
        "type": "user",
        "url": "https://github.com/wkentaro",
        "avatar": "https://avatars3.githubusercontent.com/u/4310419?s=96&v=4",
        "sponsorUrl": "https://github.com/sponsors/wkentaro",
        "repo": {
            "name": "labelme",
            "description": "Image Polygonal Annotation with Python (polygon, rectangle, circle, line, point "
            "and image-level flag annotation).",
            "url": "https://github.com/wkentaro/labelme",
        },
    }
    assert rows[1]["username"] == "Gargron"
    assert rows[1]["sponsorUrl"] is None


def test_2021_python_developers() -> None:
    rows = developers("developers_2021-04-07_python_daily.html")

    # Display name equal to the login: still a display name, the page shows both lines.
    gui = rows["PySimpleGUI"]
    assert (gui["name"], gui["sponsorUrl"]) == ("PySimpleGUI", "https://github.com/sponsors/PySimpleGUI")
    assert gui["repo"]["url"] == "https://github.com/PySimpleGUI/PySimpleGUI"
    assert "Python 2.7 & 3 Support." in gui["repo"]["description"]
    rootzoll = rows["rootzoll"]
    assert rootzoll == {
        "username": "rootzoll",
        "name": "/rootzoll",
        "type": "user",
        "url": "https://github.com/rootzoll",
        "avatar": "https://avatars.githubusercontent.com/u/2472225?s=96&v=4",
        "sponsorUrl": None,
        "repo": {
            "name": "raspiblitz",
            "description": "Get your own Bitcoin & Lightning Node running - on a RaspberryPi with a nice LCD",
            "url": "https://github.com/rootzoll/raspiblitz",
        },
    }


def test_2021_elixir_developers() -> None:
    rows = parse_developers(page("developers_2021-04-07_elixir_daily_short.html"))

    assert rows[0] == {
        "username": "rrrene",
        "name": "René Föhring",
        "type": "user",
        "url": "https://github.com/rrrene",
        "avatar": "https://avatars.githubusercontent.com/u/311914?s=96&v=4",
        "sponsorUrl": None,
        "repo": {
            "name": "credo",
            "description": "A static code analysis tool for the Elixir language with a focus on code "
            "consistency and teaching.",
            "url": "https://github.com/rrrene/credo",
        },
    }
    assert [r["username"] for r in rows if r["sponsorUrl"]] == ["akoutmos", "oestrich"]


# --- shapes the parser does not know -------------------------------------------------------


def test_2019_markup_is_refused() -> None:
    html = page(OLD_2019_PAGE)
    # The page does hold 2019-style rows; they must not be half-read.
    assert 'id="pa-Terminal"' in html

    with pytest.raises(UnknownPageShape, match=r"article\.Box-row"):
        parse_repositories(html)
    with pytest.raises(UnknownPageShape):
        parse_developers(html)


@pytest.mark.parametrize("html", ["", "<html><body>hi</body></html>", "<h1>Trending</h1>"])
def test_non_trending_page_is_refused(html: str) -> None:
    with pytest.raises(UnknownPageShape, match="not a known trending repositories page"):
        parse_repositories(html)
    with pytest.raises(UnknownPageShape, match="not a known trending developers page"):
        parse_developers(html)


def test_wrong_parser_for_the_page_is_refused() -> None:
    with pytest.raises(UnknownPageShape, match="row 1: heading link '/wkentaro' is not /<owner>/<name>"):
        parse_repositories(page("developers_2020-02-10_all_daily.html"))
    with pytest.raises(UnknownPageShape, match="row 1: heading link '/smol-ai/developer' is not /<login>"):
        parse_developers(page("repositories_2023-05-18_all_daily.html"))


def test_empty_state_returns_no_rows() -> None:
    # GitHub's notice for a language without trending entries, spliced into a real page.
    repos = strip_rows(page("repositories_2021-04-07_v_daily_short.html")).replace(
        "<!-- rows -->",
        '<div class="blankslate"><h3>It looks like we don\u2019t have any trending repositories for V.</h3></div>',
    )
    devs = strip_rows(page("developers_2021-04-07_elixir_daily_short.html")).replace(
        "<!-- rows -->",
        '<div class="blankslate"><h2 class="blankslate-heading">It looks like we don&rsquo;t have any '
        "trending developers for Elixir.</h2></div>",
    )

    assert parse_repositories(repos) == []
    assert parse_developers(devs) == []
    # The menu is still there on an empty page.
    assert {"name": "V", "slug": "v"} in parse_languages(repos)


def test_page_without_rows_or_notice_is_refused() -> None:
    with pytest.raises(UnknownPageShape):
        parse_repositories(strip_rows(page("repositories_2023-05-18_all_daily.html")))
    with pytest.raises(UnknownPageShape):
        parse_developers(strip_rows(page("developers_2021-04-07_python_daily.html")))


def test_one_broken_row_refuses_the_whole_page() -> None:
    html = page("repositories_2023-05-18_all_daily.html")
    assert len(parse_repositories(html)) == 25
    broken = replace_once(html, 'href="/sunner/ChatALL" ', "")

    with pytest.raises(UnknownPageShape, match="row 3: no repository link"):
        parse_repositories(broken)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("\n        2,941\n", "\n        2.9k\n", "row 3: stars count '2.9k' is not a number"),
        (
            'href="/sunner/ChatALL/stargazers"',
            'href="/sunner/ChatALL/watchers"',
            "row 3: no /sunner/ChatALL/stargazers",
        ),
        ('href="/StanGirard"><img', 'href="/StanGirard/quivr"><img', "row 2: 'Built by' avatar links to"),
    ],
)
def test_unreadable_repository_fields_refuse_the_page(old: str, new: str, message: str) -> None:
    broken = replace_once(page("repositories_2023-05-18_all_daily.html"), old, new)

    with pytest.raises(UnknownPageShape, match=re.escape(message)):
        parse_repositories(broken)


def test_missing_forks_link_means_zero_forks() -> None:
    html = page("repositories_2023-05-18_all_daily.html")
    # GitHub leaves the forks link out for unforked repositories; simulate that on row 1.
    start = html.index('<a href="/smol-ai/developer/forks"')
    end = html.index("</a>", start) + len("</a>")
    rows = parse_repositories(html[:start] + html[end:])

    assert (rows[0]["stars"], rows[0]["forks"]) == (5096, 0)
    assert rows[1]["forks"] == 315


def test_unreadable_developer_row_refuses_the_page() -> None:
    html = page("developers_2021-04-07_elixir_daily_short.html")
    # The second row's avatar is the only <img> in it; without it the row is not a known shape.
    broken = replace_once(
        html,
        '<img class="rounded avatar-user" src="https://avatars.githubusercontent.com/u/76071?s=96&amp;v=4"',
        "<span",
    )

    with pytest.raises(UnknownPageShape, match="row 2: no avatar image linking to /wojtekmach"):
        parse_developers(broken)


def test_developer_row_variants() -> None:
    html = page("developers_2020-02-10_all_daily.html")
    first_row = html.index('id="pa-wkentaro"')
    popular_start = html.index("<article>", first_row)
    popular_end = html.index("</article>", popular_start) + len("</article>")
    without_repo = html[:popular_start] + html[popular_end:]
    # A login-only account: the heading repeats the login and no second line shows it.
    login_line = html.index("<p ", first_row)
    login_only = (html[:login_line] + html[html.index("</p>", login_line) + len("</p>") :]).replace(
        "\n            Kentaro Wada\n", "\n            wkentaro\n", 1
    )
    as_org = replace_once(
        html,
        'data-hovercard-type="user" data-hovercard-url="/users/wkentaro/hovercard"',
        'data-hovercard-type="organization" data-hovercard-url="/orgs/wkentaro/hovercard"',
    )

    assert parse_developers(without_repo)[0]["repo"] is None
    assert parse_developers(without_repo)[1]["repo"]["name"] == "fileupload"
    assert parse_developers(login_only)[0]["name"] is None
    assert [r["type"] for r in parse_developers(as_org)[:2]] == ["organization", "user"]


# --- agreement with an independent parser -----------------------------------------------


def test_repositories_agree_with_oracle() -> None:
    oracle = json.loads((FIXTURES / "repositories_2020-02-28_all_daily.expected.json").read_text("utf-8"))
    rows = parse_repositories(page("repositories_2020-02-28_all_daily.html"))

    assert len(rows) == len(oracle) == 25
    for ours, theirs in zip(rows, oracle, strict=True):
        for key in ("author", "name", "description", "stars", "forks", "currentPeriodStars"):
            assert ours[key] == theirs[key], (ours["name"], key)
        # The oracle leaves `language` out when the row shows none; we say None.
        assert ours["language"] == theirs.get("language"), ours["name"]
        assert ours["languageColor"] == theirs.get("languageColor"), ours["name"]
        assert [p["username"] for p in ours["builtBy"]] == [p["username"] for p in theirs["builtBy"]]
        # The oracle drops the avatar's "?s=40&v=4"; we keep the src as the page serves it.
        assert [without_query(p["avatar"]) for p in ours["builtBy"]] == [p["avatar"] for p in theirs["builtBy"]]
    # 13 of the 25 rows carry an itemprop=programmingLanguage span.
    assert page("repositories_2020-02-28_all_daily.html").count('itemprop="programmingLanguage"') == 13
    assert sum(r["language"] is None for r in rows) == 12


def test_developers_agree_with_oracle() -> None:
    oracle = json.loads((FIXTURES / "developers_2020-02-28_all_daily.expected.json").read_text("utf-8"))
    rows = parse_developers(page("developers_2020-02-28_all_daily.html"))

    assert len(rows) == len(oracle) == 25
    for ours, theirs in zip(rows, oracle, strict=True):
        assert (ours["username"], ours["name"]) == (theirs["username"], theirs["name"])
        # The oracle strips "?s=96&v=4" from the avatar src; the page serves it with the size.
        assert ours["avatar"].endswith("?s=96&v=4")
        assert without_query(ours["avatar"]) == theirs["avatar"]
        assert ours["sponsorUrl"] == theirs.get("sponsorUrl")
        assert ours["repo"]["name"] == theirs["repo"]["name"]
        assert ours["repo"]["description"] == theirs["repo"]["description"]
        assert ours["repo"]["url"] == theirs["repo"]["url"]


# --- language menu --------------------------------------------------------------------------


def test_languages_2026_menu() -> None:
    languages = parse_languages(page("repositories_2026-05-07_rust_weekly.html"))

    assert languages[:5] == [
        {"name": "Unknown languages", "slug": "unknown"},
        {"name": "1C Enterprise", "slug": "1c-enterprise"},
        {"name": "2-Dimensional Array", "slug": "2-dimensional-array"},
        {"name": "4D", "slug": "4d"},
        {"name": "ABAP", "slug": "abap"},
    ]
    for expected in (
        {"name": "C++", "slug": "c++"},
        {"name": "C#", "slug": "c#"},
        {"name": "F#", "slug": "f#"},
        {"name": "Jupyter Notebook", "slug": "jupyter-notebook"},
        # The selected language links to "clear filter"; its slug comes from the canonical URL.
        {"name": "Rust", "slug": "rust"},
    ):
        assert expected in languages
    names = [entry["name"] for entry in languages]
    assert names.index("RUNOFF") + 1 == names.index("Rust") == names.index("Sage") - 1
    # 803 distinct /trending/<slug> links in the menu plus the selected Rust; no spoken
    # languages, date ranges or "Clear language" leak in.
    assert len(languages) == 804
    assert len({entry["slug"] for entry in languages}) == 804
    assert not {"Clear language", "Abkhazian", "This week", "Today"} & set(names)


def test_languages_2020_menu_keeps_first_occurrence() -> None:
    languages = parse_languages(page("repositories_2020-02-28_all_daily.html"))

    # The popular languages come first and are listed again alphabetically further down.
    assert [entry["name"] for entry in languages[:9]] == [
        "C++",
        "HTML",
        "Java",
        "JavaScript",
        "PHP",
        "Python",
        "Ruby",
        "Unknown languages",
        "1C Enterprise",
    ]
    assert len(languages) == len({entry["slug"] for entry in languages}) == 550
    assert {"name": "C#", "slug": "c#"} in languages
    assert {"name": "Jupyter Notebook", "slug": "jupyter-notebook"} in languages


def test_languages_developer_pages() -> None:
    python_page = parse_languages(page("developers_2021-04-07_python_daily.html"))
    all_page = parse_languages(page("developers_2020-02-28_all_daily.html"))

    assert {"name": "Python", "slug": "python"} in python_page
    assert {"name": "C#", "slug": "c#"} in python_page
    assert {"name": "C++", "slug": "c++"} in all_page
    assert len(python_page) == 578


def test_languages_absent_menu() -> None:
    assert parse_languages("<html><body>hi</body></html>") == []
    # The 2019 sidebar is not the menu this parser knows.
    assert parse_languages(page(OLD_2019_PAGE)) == []
