"""docs/schema.graphql is the schema the code serves (CI runs this): regenerate it with
`manage.py graphql_schema` after changing a type, query or mutation."""

import pytest
from django.core.management import CommandError, call_command

from graphql_api.management.commands.graphql_schema import SCHEMA_FILE
from graphql_api.schema import printed_schema


def test_the_checked_in_schema_matches_the_code():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == printed_schema(), (
        "docs/schema.graphql is out of date; run `manage.py graphql_schema`."
    )


def test_the_command_writes_and_checks(tmp_path, monkeypatch):
    call_command("graphql_schema", "--check")
    target = tmp_path / "schema.graphql"
    monkeypatch.setattr("graphql_api.management.commands.graphql_schema.SCHEMA_FILE", target)
    call_command("graphql_schema")
    assert target.read_text(encoding="utf-8") == printed_schema()
    target.write_text("type Query { stale: Int }\n", encoding="utf-8")
    with pytest.raises(CommandError, match="out of date"):
        call_command("graphql_schema", "--check")
