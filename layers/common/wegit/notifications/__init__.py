"""Notifications: subscriptions, one-time subscribe-message grants, and the pipeline pushing GitHub to WeChat."""
