"""Every table in template.yaml exists in DynamoDB Local with the same keys, indexes and TTL."""

from __future__ import annotations

import pytest

from local.dynamodb import DynamoDBLocal, create_tables
from local.template import load

TEMPLATE = load()


@pytest.fixture(scope="module")
def client(dynamodb: DynamoDBLocal):
    client = dynamodb.client()
    create_tables(client, TEMPLATE.tables, TEMPLATE.table_names())
    return client


@pytest.mark.parametrize("logical", sorted(TEMPLATE.tables))
def test_table_matches_the_template(client, logical):
    props = TEMPLATE.tables[logical]
    table = client.describe_table(TableName=TEMPLATE.table_names()[logical])["Table"]
    assert table["KeySchema"] == props["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(props["AttributeDefinitions"], key=str)
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    expected_indexes = {index["IndexName"]: index["KeySchema"] for index in props.get("GlobalSecondaryIndexes", [])}
    actual_indexes = {index["IndexName"]: index["KeySchema"] for index in table.get("GlobalSecondaryIndexes", [])}
    assert actual_indexes == expected_indexes
    ttl = client.describe_time_to_live(TableName=table["TableName"])["TimeToLiveDescription"]
    if "TimeToLiveSpecification" in props:
        assert ttl["AttributeName"] == props["TimeToLiveSpecification"]["AttributeName"]
        assert ttl["TimeToLiveStatus"] == "ENABLED"


def test_creating_twice_creates_nothing_new(client):
    assert create_tables(client, TEMPLATE.tables, TEMPLATE.table_names()) == []
