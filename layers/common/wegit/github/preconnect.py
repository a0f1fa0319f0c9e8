"""Imported first by every GitHub function, before anything heavy: the connection to GitHub opens on a
background thread while the rest of the function imports (wegit.preconnect)."""

from wegit import preconnect
from wegit.environment import github_api_url

preconnect.start(github_api_url())
