"""GitHub's rendered README HTML, made safe for the mini-program's rich-text component."""

from __future__ import annotations

from urllib.parse import urljoin

import nh3

# The tags WeChat's rich-text component renders; everything else is dropped with its markup kept as text.
RICH_TEXT_TAGS = {
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "big", "blockquote", "br", "caption", "center",
    "cite", "code", "col", "colgroup", "dd", "del", "div", "dl", "dt", "em", "fieldset", "font", "footer", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "label", "legend", "li", "mark", "nav", "ol",
    "p", "pre", "q", "rt", "ruby", "s", "section", "small", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "*": {"class"},
}


def sanitize(html: str, owner: str, name: str, branch: str) -> str:
    """Only rich-text tags and safe attributes; relative links and images made absolute on github.com."""
    page_base = f"https://github.com/{owner}/{name}/blob/{branch}/"
    raw_base = f"https://raw.githubusercontent.com/{owner}/{name}/{branch}/"

    def absolute(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "href" and not value.startswith("#"):
            return urljoin(page_base, value)
        if attribute == "src":
            return urljoin(raw_base, value)
        return value

    return nh3.clean(
        html,
        tags=RICH_TEXT_TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=absolute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
