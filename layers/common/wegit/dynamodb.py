"""The DynamoDB client: low-level calls on botocore (the Lambda runtime provides it), made on first use so a
function that never touches a table never loads the AWS SDK."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from wegit.settings import get_settings


@lru_cache(maxsize=1)
def client() -> Any:
    """One DynamoDB client per execution environment."""
    import botocore.config
    import botocore.session

    settings = get_settings()
    config = botocore.config.Config(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retries={"mode": "standard", "max_attempts": 3},
        tcp_keepalive=True,
    )
    region = os.environ.get("AWS_REGION", "us-east-1")
    return botocore.session.get_session().create_client("dynamodb", region_name=region, config=config)
