"""Small helpers more than one test module needs."""

from __future__ import annotations

import ast
from pathlib import Path


def top_level_names(source: Path) -> set[str]:
    """Names a module defines at top level (assignments and functions): where a Lambda Handler must be."""
    tree = ast.parse(source.read_text())
    names = {target.id for node in tree.body if isinstance(node, ast.Assign) for target in node.targets
             if isinstance(target, ast.Name)}  # fmt: skip
    return names | {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
