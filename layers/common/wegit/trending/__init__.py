"""Trending: github.com/trending scraped on a schedule into DynamoDB and served from the snapshots."""
