"""What every analysis method is: a name, a label, a JSON Schema for its
parameters, and a ``run`` that takes data and parameters and returns a plain
``MethodResult``. Methods know nothing of users, permissions or disclosure
control: the engine applies disclosure control once, after every method, using
the field-name conventions below.
"""

from dataclasses import dataclass, field

# Disclosure control finds what to check by field name, in every table row and
# in the summary: counts (suppressed when 1..k-1) and extremes (withheld).
COUNT_FIELDS = frozenset({"n", "count", "n_at_risk", "n_event", "n_censored", "events", "remaining", "size"})
EXTREME_FIELDS = frozenset({"min", "max"})


class MethodError(Exception):
    """The data or parameters do not allow this analysis; the message says why, for the user."""


@dataclass
class Chart:
    """A chart a method asks for: ``name`` (URL-safe), ``title``, and ``spec``,
    the plain data the chart module draws from (never drawn here)."""

    name: str
    title: str
    kind: str
    spec: dict


@dataclass
class MethodResult:
    summary: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    charts: list = field(default_factory=list)

    def as_results(self):
        return {"summary": self.summary, "tables": self.tables, "notes": self.notes, "suppressed": False}


class Method:
    """Subclass per method module and register it with ``methods.register``.

    ``run(table, params, columns)``: ``table`` is a ``pyarrow.Table`` holding
    exactly the columns the parameters name (numeric columns may be exact
    ``decimal128``); ``params`` are validated against ``parameters`` (with
    defaults filled in); ``columns`` maps each column name to its data-dictionary
    entry (type, label, unit, levels...).
    """

    name = ""
    label = ""
    parameters = {}
    # Which parameters name variables, and the data-dictionary column types each
    # accepts: {parameter: {"numeric", "integer", ...}} (an empty set accepts any
    # type). A parameter's value is one column name or a list of them. The engine
    # checks existence and types from this before queueing (analyses.validation).
    variable_types = {}

    def variables(self, params):
        """The column names the parameters refer to, in order, without repeats."""
        names = []
        for parameter in self.variable_types:
            value = params.get(parameter)
            for name in value if isinstance(value, list) else [value] if value is not None else []:
                if name not in names:
                    names.append(name)
        return names

    def run(self, table, params, columns):
        raise NotImplementedError
