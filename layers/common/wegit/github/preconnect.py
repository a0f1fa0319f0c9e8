"""Imported first by every GitHub function, before anything heavy: the connection to GitHub opens on a
background thread while the rest of the function imports (wegit.preconnect)."""

from wegit import preconnect
from wegit.settings import get_settings

preconnect.start(get_settings().github_api_url)
