"""GET /repositories?owner=OWNER&name=NAME[&readme_html=true]: a repository with its README."""

from __future__ import annotations

from typing import TYPE_CHECKING

import wegit.github.preconnect_readme  # noqa: F401 - first: two connections to GitHub open while the rest imports

# isort: split

from wegit.api import Response, Router, entry_point, ok
from wegit.github import service

if TYPE_CHECKING:  # the declared types: checked ahead of time (wegit/contract.json), never imported at run time
    from wegit.github.schemas import RepositoryWithReadme
    from wegit.validation import Authorization, Owner, ReadmeHtml, RepoName

app = Router()


@app.get("/repositories")
def get_repository(
    owner: Owner, name: RepoName, readme_html: ReadmeHtml = False, authorization: Authorization = None
) -> Response[RepositoryWithReadme]:
    return ok(service.repository(owner, name, authorization, readme_html))


lambda_handler = entry_point(app)
