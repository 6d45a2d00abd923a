"""Checking an analysis request before it is queued.

Parameters are checked against the method's JSON Schema, then every parameter
that names a variable is checked against the cohort's data dictionary: the
column must exist and be of a type the method accepts. Errors name the field.
"""

import difflib

import jsonschema


class ParameterError(ValueError):
    """Bad parameters; ``errors`` maps each field to its messages, for a 400."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()))


def _with_defaults(schema, params):
    filled = dict(params)
    for name, spec in schema.get("properties", {}).items():
        if name not in filled and "default" in spec:
            filled[name] = spec["default"]
    return filled


def _field_name(error):
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        return error.message.split("'")[1]
    if error.validator == "additionalProperties" and "'" in error.message:
        return error.message.split("'")[1]
    return ".".join(path) or "parameters"


def _variable_problem(name, columns, accepted):
    if name not in columns:
        close = difflib.get_close_matches(name, list(columns), n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return f"Unknown variable {name!r}.{hint}"
    kind = columns[name]["type"]
    if accepted and kind not in accepted:
        return f"Variable {name!r} is {kind}; this parameter needs {' or '.join(sorted(accepted))}."
    return None


def validate(method, params, columns):
    """Return ``params`` with defaults filled in, or raise ParameterError.

    ``columns`` maps column name -> data-dictionary entry. A method declares which
    parameters name variables, and the column types each accepts, in
    ``variable_types`` ({parameter: set of types}, an empty set for any type).
    """
    if not isinstance(params, dict):
        raise ParameterError({"parameters": ["Must be a JSON object."]})
    errors = {}
    for error in jsonschema.Draft202012Validator(method.parameters).iter_errors(params):
        errors.setdefault(_field_name(error), []).append(error.message)
    if errors:
        raise ParameterError(errors)
    params = _with_defaults(method.parameters, params)
    for field, accepted in getattr(method, "variable_types", {}).items():
        value = params.get(field)
        names = value if isinstance(value, list) else [value] if value is not None else []
        for name in names:
            # Power terms such as "x^2" name the column before the caret.
            base = name.split("^", 1)[0] if isinstance(name, str) and "^" in name else name
            problem = _variable_problem(base, columns, accepted)
            if problem:
                errors.setdefault(field, []).append(problem)
    if errors:
        raise ParameterError(errors)
    return params
