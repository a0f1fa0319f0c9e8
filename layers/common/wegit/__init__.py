"""WeGit API shared package: everything two Lambda functions use lives here."""

__version__ = "0.1.0"
