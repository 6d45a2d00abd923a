import pytest

from analyses.methods.base import Method
from analyses.validation import ParameterError, validate

COLUMNS = {
    "age": {"type": "integer"},
    "bmi": {"type": "numeric"},
    "arm": {"type": "categorical"},
}


class Compare(Method):
    name = "compare"
    parameters = {
        "type": "object",
        "properties": {
            "variable": {"type": "string"},
            "group_by": {"type": "string"},
            "equal_var": {"type": "boolean", "default": False},
            "covariates": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["variable", "group_by"],
        "additionalProperties": False,
    }
    variable_types = {"variable": {"numeric", "integer"}, "group_by": {"categorical"}, "covariates": set()}


def errors_of(params):
    with pytest.raises(ParameterError) as caught:
        validate(Compare(), params, COLUMNS)
    return caught.value.errors


def test_defaults_are_filled_in():
    assert validate(Compare(), {"variable": "bmi", "group_by": "arm"}, COLUMNS)["equal_var"] is False


def test_missing_field_is_named():
    assert "group_by" in errors_of({"variable": "bmi"})


def test_unknown_parameter_is_named():
    assert "colour" in errors_of({"variable": "bmi", "group_by": "arm", "colour": "red"})


def test_unknown_variable_suggests_close_names():
    errors = errors_of({"variable": "bmj", "group_by": "arm"})
    assert errors["variable"] == ["Unknown variable 'bmj'. Did you mean 'bmi'?"]


def test_wrong_variable_type_is_explained():
    errors = errors_of({"variable": "arm", "group_by": "arm"})
    assert errors["variable"] == ["Variable 'arm' is categorical; this parameter needs integer or numeric."]


def test_lists_of_variables_and_power_terms_are_checked():
    assert validate(Compare(), {"variable": "bmi", "group_by": "arm", "covariates": ["age^2"]}, COLUMNS)
    assert "covariates" in errors_of({"variable": "bmi", "group_by": "arm", "covariates": ["wt"]})


def test_parameters_must_be_an_object():
    with pytest.raises(ParameterError, match="parameters: Must be a JSON object."):
        validate(Compare(), ["bmi"], COLUMNS)
