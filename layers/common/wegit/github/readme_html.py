"""GitHub's rendered README HTML, made safe for the mini-program's rich-text component."""

from __future__ import annotations

from urllib.parse import quote, urljoin

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
    # ids keep GitHub's heading anchors (#user-content-...) working; GitHub's classes mean nothing to rich-text
    "*": {"id"},
}


def sanitize(html: str, owner: str, name: str, branch: str) -> str:
    """Only rich-text tags and safe attributes; relative links and images made absolute on github.com."""
    ref = quote(branch, safe="/")
    page_base = f"https://github.com/{owner}/{name}/blob/{ref}/"
    raw_base = f"https://raw.githubusercontent.com/{owner}/{name}/{ref}/"

    def absolute(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in ("href", "src") or value.startswith("#"):
            return value
        if value.startswith("/"):  # GitHub writes root-relative links against github.com itself
            return urljoin("https://github.com/", value)
        return urljoin(page_base if attribute == "href" else raw_base, value)

    return nh3.clean(
        html,
        tags=RICH_TEXT_TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=absolute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
