"""The trending language menu built into the layer (wegit/trending/languages.json): github.com's own menu,
as the newest recorded trending page shows it, so a table never refreshed still accepts every language.
`python -m local trending-menu` rewrites it from the recorded pages; a unit test checks it is current."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from local.template import LAYER_DIR, SHARED

MENU = LAYER_DIR / "wegit" / "trending" / "languages.json"
_DATED = re.compile(r"_(\d{4}-\d{2}-\d{2})_")


def recorded_menu(pages: Path = SHARED / "fixtures" / "trending") -> tuple[Path, list[dict[str, str]]]:
    """The newest recorded page that has a language menu, and that menu in page order."""
    if str(LAYER_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_DIR))
    from wegit.trending.parser import parse_languages

    dated = sorted(pages.glob("*.html"), key=lambda page: _DATED.search(page.name).group(1), reverse=True)  # type: ignore[union-attr]
    for page in dated:
        menu = parse_languages(page.read_text())
        if menu:
            return page, menu
    raise SystemExit(f"no recorded trending page with a language menu in {pages}")


def render(menu: list[dict[str, str]]) -> str:
    """One language a line: small diffs when GitHub's menu changes."""
    return "[\n" + ",\n".join(json.dumps(entry, ensure_ascii=False) for entry in menu) + "\n]\n"


def write() -> tuple[Path, int]:
    page, menu = recorded_menu()
    MENU.write_text(render(menu))
    return page, len(menu)
