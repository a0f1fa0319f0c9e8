"""Accounts: WeChat login, WeGit sessions, the bound GitHub token (KMS-encrypted) and account deletion."""
