"""A Docker-free local stack for the SAM application: DynamoDB Local, per-function workers, an HTTP API."""
