"""Imported first by GET /repositories, which asks GitHub for the repository and its README at once: two
connections open during init (wegit.github.preconnect opens one for the other GitHub functions)."""

from wegit import preconnect
from wegit.environment import github_api_url

preconnect.start(github_api_url(), connections=2)
