"""The share ids and the github.com URLs the mini-program can open: pure functions, no table."""

from __future__ import annotations

import re

import pytest

from wegit.errors import BadRequest
from wegit.share.targets import Target, from_request, from_url, share_id

# WeChat's scene: at most 32 visible characters from this set (wxacode.getUnlimited).
SCENE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}")


def test_an_id_is_derived_from_the_target_and_never_changes():
    target = Target("repository", {"owner": "octocat", "name": "Hello-World"})
    # Pinned: codes are printed and scanned for years, so the scheme must never change under them.
    assert share_id(target) == "k2qxhcr7s3p3p4nz"
    assert share_id(Target("repository", {"owner": "OCTOCAT", "name": "hello-world"})) == "k2qxhcr7s3p3p4nz"
    assert SCENE.fullmatch(target.id) and len(target.id) == 16


def test_different_targets_have_different_ids():
    targets = [
        Target("repository", {"owner": "octocat", "name": "hello"}),
        Target("repository", {"owner": "octocat-hello", "name": "x"}),
        Target("developer", {"name": "octocat"}),
        Target("trending", {"kind": "repositories", "since": "daily"}),
        Target("trending", {"kind": "repositories", "since": "weekly"}),
        Target("trending", {"kind": "developers", "since": "daily"}),
        Target("trending", {"kind": "repositories", "since": "daily", "language": "python"}),
    ]
    ids = {target.id for target in targets}
    assert len(ids) == len(targets)
    assert all(SCENE.fullmatch(found) for found in ids)


def test_the_same_trending_page_by_name_or_slug_is_one_id():
    by_name = from_request("trending", {"since": "WEEKLY", "language": "Jupyter Notebook"})
    by_slug = from_request("trending", {"since": "weekly", "language": "jupyter-notebook"})
    assert by_name == by_slug
    assert by_name.params == {"kind": "repositories", "since": "weekly", "language": "jupyter-notebook"}
    everything = from_request("trending", {"language": "all"})
    assert everything.params == {"kind": "repositories", "since": "daily"}


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://github.com/octocat/Hello-World", ("repository", {"owner": "octocat", "name": "Hello-World"})),
        ("http://www.github.com/octocat/hello.js.git", ("repository", {"owner": "octocat", "name": "hello.js"})),
        ("github.com/octocat/x/issues/12?q=1#top", ("repository", {"owner": "octocat", "name": "x"})),
        ("https://github.com/octocat/x/blob/main/README.md", ("repository", {"owner": "octocat", "name": "x"})),
        ("https://github.com/octocat", ("developer", {"name": "octocat"})),
        ("https://github.com/octocat/", ("developer", {"name": "octocat"})),
        ("https://GitHub.com/orgs/python/repositories", ("developer", {"name": "python"})),
        ("https://github.com/trending", ("trending", {"kind": "repositories", "since": "daily"})),
        ("https://github.com/trending?since=monthly", ("trending", {"kind": "repositories", "since": "monthly"})),
        ("https://github.com/trending/c%2B%2B?since=weekly&spoken_language_code=zh",
         ("trending", {"kind": "repositories", "since": "weekly", "language": "c++"})),
        ("https://github.com/trending/developers/rust",
         ("trending", {"kind": "developers", "since": "daily", "language": "rust"})),
    ],
)  # fmt: skip
def test_github_urls_resolve_to_their_page(url, target):
    assert from_url(url) == Target(*target)


@pytest.mark.parametrize(
    "url",
    [
        "https://gitlab.com/octocat/x",
        "https://gist.github.com/octocat/123",
        "https://api.github.com/repos/octocat/x",
        "https://github.com.evil.example/octocat/x",
        "https://github.com:8443/octocat/x",
        "ftp://github.com/octocat/x",
        "https://github.com/",
        "https://github.com/settings/profile",
        "https://github.com/marketplace",
        "https://github.com/trending/python/extra",
        "https://github.com/trending?since=yearly",
        "https://github.com/-bad-/x",
        "https://github.com/octocat/..",
        "not a url at all",
    ],
)
def test_other_urls_are_a_400_naming_url(url):  # an unknown language: e2e (the menu is in a table)
    with pytest.raises(BadRequest) as refused:
        from_url(url)
    assert refused.value.status == 400
    assert "parameter url" in refused.value.message


def test_a_path_opens_the_page_with_its_parameters_in_one_order():
    target = Target("repository", {"name": "a b", "owner": "o"})
    assert target.path == "pages/repository/index?owner=o&name=a%20b"
    assert target.shown() == {
        "type": "repository",
        "page": "pages/repository/index",
        "params": {"owner": "o", "name": "a b"},
        "path": "pages/repository/index?owner=o&name=a%20b",
    }
