"""GET /repositories?owner=OWNER&name=NAME[&readme_html=true]: a repository with its README."""

from __future__ import annotations

from typing import Annotated

import wegit.github.preconnect  # noqa: F401 - first: TCP and TLS to GitHub open while the rest imports

# isort: split

from aws_lambda_powertools.event_handler.openapi.params import Query

from wegit.api import entry_point, make_resolver
from wegit.github import service
from wegit.github.schemas import RepositoryWithReadme
from wegit.validation import Authorization, Owner, RepoName

app = make_resolver()


@app.get("/repositories")
def get_repository(
    owner: Owner,
    name: RepoName,
    readme_html: Annotated[bool, Query(description="also return the README as sanitized HTML")] = False,
    authorization: Authorization = None,
) -> RepositoryWithReadme:
    return service.repository(owner, name, authorization, readme_html)


lambda_handler = entry_point(app)
