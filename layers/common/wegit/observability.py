"""One Powertools logger and metrics object for the whole package (service name from the environment)."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
