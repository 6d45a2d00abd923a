"""Parsed criteria: what they reference, their attrition clauses, and their selection."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import pyarrow as pa
import pyarrow.compute as pc

from . import typecheck
from .evaluator import TableEvaluator, column_types
from .nodes import And, Node, columns_of
from .parser import parse_tree


@dataclass(frozen=True)
class Clause:
    """One top-level ``and`` operand, with its text as the user wrote it."""

    text: str
    node: Node


@dataclass(frozen=True)
class Criteria:
    """Criteria text and its tree; ``root`` is None for empty criteria, which select every row."""

    text: str
    root: Node | None

    @cached_property
    def columns(self) -> frozenset[str]:
        """Names of the columns the criteria read."""
        return frozenset(column.name for column in columns_of(self.root)) if self.root else frozenset()

    @cached_property
    def clauses(self) -> tuple[Clause, ...]:
        """The top-level ``and`` clauses (a single clause when the top is not an ``and``)."""
        if self.root is None:
            return ()
        nodes = self.root.operands if isinstance(self.root, And) else (self.root,)
        return tuple(Clause(self.text[node.start : node.end], node) for node in nodes)

    def validate(self, columns: Mapping[str, str | None]) -> None:
        """Check column names and types against a data dictionary ({name: type}).

        Raises CriteriaError naming an unknown column and its closest names, or
        both sides of a comparison whose types do not match.
        """
        typecheck.check(self.root, columns)

    def evaluate(self, table: pa.Table) -> pa.ChunkedArray:
        """Three-valued truth per row: true, false, or null for unknown."""
        if self.root is None:
            return pa.chunked_array([pa.repeat(True, table.num_rows)])
        return self._evaluator(table).truth(self.root)

    def mask(self, table: pa.Table) -> pa.BooleanArray:
        """The rows the criteria select: true only where the criteria are known to hold."""
        return _selected(self.evaluate(table))

    def count(self, table: pa.Table) -> int:
        return self.mask(table).true_count

    def attrition(self, table: pa.Table) -> list[dict]:
        """Rows remaining after each cumulative top-level clause: [{clause, remaining}]."""
        if self.root is None:
            return []
        evaluator = self._evaluator(table)
        remaining = None
        steps = []
        for clause in self.clauses:
            selected = _selected(evaluator.truth(clause.node))
            remaining = selected if remaining is None else pc.and_(remaining, selected)
            steps.append({"clause": clause.text, "remaining": remaining.true_count})
        return steps

    def _evaluator(self, table: pa.Table) -> TableEvaluator:
        # Checked against the table itself too, so evaluation never meets a type it cannot compare.
        self.validate(column_types(table.schema))
        return TableEvaluator(table)


def parse(text: str) -> Criteria:
    """Parse criteria text; raises CriteriaError with the position of the first problem."""
    if not isinstance(text, str):
        raise TypeError(f"criteria must be text, not {type(text).__name__}")
    return Criteria(text, parse_tree(text))


def _selected(truth: pa.ChunkedArray) -> pa.BooleanArray:
    return pc.fill_null(truth, False).combine_chunks()
