"""README HTML made safe for the mini-program's rich-text: hostile markup removed, links absolute."""

from __future__ import annotations

import pytest

from wegit.github.readme_html import sanitize


def clean(html: str, branch: str = "main") -> str:
    return sanitize(html, "octo", "repo", branch)


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="  javascript:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        "<style>body{display:none}</style>",
        '<div style="position:fixed">x</div>',
        '<form action="https://evil.example"><input name="token"></form>',
    ],
)
def test_hostile_markup_is_removed(hostile):
    result = clean(hostile).lower()
    for marker in ("<script", "onerror", "javascript:", "vbscript:", "data:text", "<iframe", "<style", "style=",
                   "<form", "<input"):  # fmt: skip
        assert marker not in result


def test_relative_links_and_images_become_absolute():
    html = '<p><a href="docs/guide.md">guide</a> <img src="img/logo.png" alt="logo"></p>'
    result = clean(html)
    assert 'href="https://github.com/octo/repo/blob/main/docs/guide.md"' in result
    assert 'src="https://raw.githubusercontent.com/octo/repo/main/img/logo.png"' in result


def test_root_relative_and_absolute_links():
    result = clean('<a href="/octo/repo/issues">issues</a><a href="https://example.com/x">x</a>')
    assert 'href="https://github.com/octo/repo/issues"' in result
    assert 'href="https://example.com/x"' in result


def test_branch_is_quoted_and_anchors_kept():
    result = clean('<h2 id="user-content-setup">Setup</h2><a href="#user-content-setup">s</a><a href="a.md">a</a>',
                   branch="fix#1")  # fmt: skip
    assert 'id="user-content-setup"' in result
    assert 'href="#user-content-setup"' in result
    assert "blob/fix%231/a.md" in result


def test_rich_text_tags_kept_others_unwrapped():
    result = clean('<table><tr><td align="left">1</td></tr></table><details><summary>s</summary>body</details>')
    assert '<td align="left">1</td>' in result
    assert "<details" not in result
    assert "body" in result
