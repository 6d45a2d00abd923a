"""Every core method is registered with a valid, closed JSON Schema and declares its variables."""

import jsonschema
import pytest

from analyses import methods
from analyses.validation import ParameterError, validate

CORE = ["descriptive", "table_one", "ttest", "mann_whitney", "chi_square", "anova", "kruskal", "correlation"]


@pytest.mark.parametrize("name", CORE)
def test_schema_is_draft_2020_12_closed_and_consistent(name):
    method = methods.get(name)
    schema = method.parameters
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert set(schema["required"]) <= set(schema["properties"])
    assert set(method.variable_types) <= set(schema["properties"])
    assert method.label and method.name == name
    for prop in schema["properties"].values():
        if "default" in prop:
            jsonschema.validate(prop["default"], prop)


def test_variables_lists_every_named_column_once_in_order():
    method = methods.get("table_one")
    params = {"variables": ["age", "bmi"], "group_by": "arm", "nonnormal": ["bmi"]}
    assert method.variables(params) == ["age", "bmi", "arm"]
    assert methods.get("ttest").variables({"variable": "bmi", "group_by": "arm", "equal_var": True}) == [
        "bmi",
        "arm",
    ]


def test_variable_types_drive_validation():
    columns = {"bmi": {"type": "numeric"}, "arm": {"type": "categorical"}, "note": {"type": "text"}}
    with pytest.raises(ParameterError, match="needs integer or numeric"):
        validate(methods.get("anova"), {"variable": "arm", "group_by": "arm"}, columns)
    with pytest.raises(ParameterError, match="'note' is text"):
        validate(methods.get("chi_square"), {"row": "note", "column": "arm"}, columns)
    assert validate(methods.get("chi_square"), {"row": "arm", "column": "arm"}, columns)["correction"] is True
