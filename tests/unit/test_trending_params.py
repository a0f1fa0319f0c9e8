"""Trending parameters: since, language (names and slugs in any case), spoken language; the page URLs."""

from __future__ import annotations

import pytest

from wegit.errors import BadRequest
from wegit.trending import service as trending


@pytest.mark.parametrize(
    ("given", "slug"),
    [
        ("C++", "c++"),
        ("c++", "c++"),
        ("C#", "c#"),
        ("c#", "c#"),
        ("Jupyter Notebook", "jupyter-notebook"),
        ("jupyter notebook", "jupyter-notebook"),
        ("jupyter-notebook", "jupyter-notebook"),
        ("PYTHON", "python"),
        (" rust ", "rust"),
        ("all", None),
        ("All", None),
        ("", None),
        (None, None),
    ],
)
def test_popular_languages_resolve_without_a_table(given, slug):
    assert trending.resolve_language(given) == slug


@pytest.mark.parametrize(
    ("given", "since"), [(None, "daily"), ("", "daily"), ("Weekly", "weekly"), ("monthly", "monthly")]
)
def test_since(given, since):
    assert trending.parse_since(given) == since


@pytest.mark.parametrize("given", ["yearly", "1", "day"])
def test_bad_since_names_the_parameter(given):
    with pytest.raises(BadRequest, match="since"):
        trending.parse_since(given)


@pytest.mark.parametrize(("given", "code"), [(None, None), ("", None), ("EN", "en"), ("zh", "zh")])
def test_spoken_language(given, code):
    assert trending.parse_spoken(given) == code


@pytest.mark.parametrize("given", ["eng", "e", "e1", "中文", "xx", "qq"])
def test_bad_spoken_language(given):
    with pytest.raises(BadRequest, match="spoken_language_code"):
        trending.parse_spoken(given)


def test_page_urls_quote_the_language(monkeypatch):
    base = "https://github.com"
    assert trending.page_url(trending.Query("repositories", "weekly", "c++", "en")) == (
        f"{base}/trending/c%2B%2B?since=weekly&spoken_language_code=en"
    )
    assert trending.page_url(trending.Query("developers", "daily", "c#", None)) == (
        f"{base}/trending/developers/c%23?since=daily"
    )
    assert trending.page_url(trending.Query("repositories", "monthly", None, None)) == f"{base}/trending?since=monthly"


def test_refresh_covers_every_kind_since_and_popular_language_plus_all():
    queries = trending.combinations()
    assert len(queries) == 2 * 3 * (len(trending.POPULAR_LANGUAGES) + 1)
    assert len({q.key for q in queries}) == len(queries)
    assert trending.Query("developers", "monthly", None, None) in queries


def test_spoken_language_only_keys_repositories():
    assert trending.Query.from_params("repositories", None, "Python", "EN") == trending.Query(
        "repositories", "daily", "python", "en"
    )
    # github.com ignores it for developers: keeping it would split the cache and bypass the refreshed snapshot
    assert trending.Query.from_params("developers", "weekly", None, "en").spoken is None
