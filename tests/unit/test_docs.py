"""The docs a newcomer reads stay true to the repository: every relative link (and its #anchor) resolves, every
template parameter is explained in docs/deploy.md, every alarm has its runbook entry, and the bench tables in
docs/performance.md are the ones `make bench` wrote."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from local.template import ROOT, read

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEMPLATE = read()
FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)


def prose(text: str) -> str:
    """The text without code blocks and code spans, where brackets and # are not links or headings."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def anchors(path: Path) -> set[str]:
    """The ids GitHub gives the headings of a Markdown file (lowercase, punctuation dropped, spaces to hyphens,
    a repeated id suffixed -1, -2, ...)."""
    seen: dict[str, int] = {}
    ids = set()
    for _, heading in HEADING.findall(FENCE.sub("", path.read_text())):
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
        slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        ids.add(slug if count == 0 else f"{slug}-{count}")
    return ids


def links(path: Path) -> list[str]:
    return [target for target in LINK.findall(prose(path.read_text()))
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target)]  # fmt: skip


def test_the_docs_exist_and_the_readme_is_one_screen_of_entry_points():
    names = {path.name for path in DOCS}
    for name in ("local-development.md", "api.md", "architecture.md", "deploy.md", "runbook.md",
                 "performance.md", "testing.md", "adding-an-endpoint.md"):  # fmt: skip
        assert name in names, f"docs/{name} is missing"
    lines = len((ROOT / "README.md").read_text().splitlines())
    assert lines <= 160, "the README is an entry point: move detail to docs/"


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(doc):
    broken = []
    for target in links(doc):
        file_part, _, anchor = target.partition("#")
        resolved = (doc.parent / file_part).resolve() if file_part else doc
        if not resolved.exists():
            broken.append(f"{target}: no {resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else resolved}")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor} in {resolved.relative_to(ROOT)}")
    assert not broken, f"{doc.relative_to(ROOT)}: broken links: {broken}"


def test_the_link_check_can_fail(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## A `code` heading: yes\n\n[ok](#a-code-heading-yes) [bad](#nope) [gone](gone.md)\n"
                    "`[not a link](nowhere.md)`\n```\n[nor this](nowhere.md)\n```\n")  # fmt: skip
    assert links(page) == ["#a-code-heading-yes", "#nope", "gone.md"]
    assert anchors(page) == {"title", "a-code-heading-yes"}


def test_every_template_parameter_is_in_the_deploy_guide():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    missing = [name for name in TEMPLATE["Parameters"] if f"`{name}`" not in guide]
    assert not missing, f"docs/deploy.md: say what a deployer sets for {missing} (and its default)"


def test_every_alarm_has_a_runbook_entry():
    alarms = sorted(name for name, resource in TEMPLATE["Resources"].items()
                    if resource["Type"] == "AWS::CloudWatch::Alarm")  # fmt: skip
    assert alarms, "the template declares no alarm"
    headings = [title for _, title in HEADING.findall(FENCE.sub("", (ROOT / "docs" / "runbook.md").read_text()))]
    missing = [alarm for alarm in alarms if not any(re.match(rf"{alarm}\b", title) for title in headings)]
    assert not missing, f"docs/runbook.md: add a `### <name>: what it means` entry with what to do for {missing}"


def test_the_bench_tables_are_the_ones_the_bench_wrote():
    text = (ROOT / "docs" / "performance.md").read_text()
    begin, end = "<!-- bench:begin -->\n", "<!-- bench:end -->"
    assert text.count(begin) == 1 and text.count(end) == 1, "docs/performance.md: keep one pair of bench markers"
    block = text.split(begin)[1].split(end)[0]
    assert block == (ROOT / "bench" / "results.md").read_text(), (
        "docs/performance.md: the tables between the bench markers differ from bench/results.md; run `make bench` "
        "(bench/__main__.py writes both) instead of editing them by hand"
    )
