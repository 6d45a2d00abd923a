"""Disclosure control ("confidence rules") for callers without ``export``.

Applied once, by the engine, to every method's results (and to chart specs),
never inside a method. With k = BIOSTAT_MIN_CELL_COUNT:

- a count between 1 and k-1 is replaced by ``null`` and its row marked
  ``"suppressed": true``; every other number in that row (percentages, means,
  survival estimates, display strings) is withheld too, since each could give
  the count back;
- a small count of missing values is withheld on its own (the rest of its row
  describes the people who are not missing, so it stays);
- minimum and maximum values are withheld everywhere.

Each rule that changed something adds a note saying so.
"""

import copy

from .methods.base import COUNT_FIELDS, EXTREME_FIELDS

# Counts of missing values: withheld alone, without the rest of their row.
MISSING_FIELDS = frozenset({"missing"})

# Row fields that name what a row is about; they stay visible when its numbers are withheld.
LABEL_FIELDS = frozenset(
    {
        "variable",
        "level",
        "group",
        "group_a",
        "group_b",
        "term",
        "x",
        "y",
        "row",
        "column",
        "clause",
        "source",
        "test",
    }
)


def is_small(value, k):
    """A count that would let someone single out fewer than k people."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < k


def _suppress_row(row, k):
    """Suppress one flat row in place; return (counts suppressed, extremes withheld)."""
    small = [name for name in COUNT_FIELDS if is_small(row.get(name), k)]
    small_missing = [name for name in MISSING_FIELDS if is_small(row.get(name), k)]
    withheld = [name for name in EXTREME_FIELDS if row.get(name) is not None]
    for name in withheld + small_missing:
        row[name] = None
    if small_missing:
        row["suppressed"] = True
    if small:
        for name, value in row.items():
            if name not in LABEL_FIELDS and name != "suppressed" and value is not None:
                row[name] = None
        row["suppressed"] = True
    return len(small) + len(small_missing), len(withheld)


def apply(results, k):
    """Return a copy of ``results`` ({summary, tables, notes, suppressed}) with the rules applied."""
    results = copy.deepcopy(results)
    counts = extremes = 0
    rows = [results.get("summary", {})]
    for table in results.get("tables", {}).values():
        rows.extend(row for row in table if isinstance(row, dict))
    for row in rows:
        small, withheld = _suppress_row(row, k)
        counts += small
        extremes += withheld
    notes = results.setdefault("notes", [])
    if counts:
        notes.append(
            f"Disclosure control: {counts} count(s) between 1 and {k - 1} suppressed, with the other "
            f"numbers in their rows (minimum cell count k={k}; holders of export see exact values)."
        )
    if extremes:
        notes.append("Disclosure control: minimum and maximum values withheld (holders of export see them).")
    results["suppressed"] = bool(counts or extremes)
    return results


def suppress_counts(counts, k):
    """Chart helper: a list of counts with 1..k-1 replaced by None."""
    return [None if is_small(count, k) else count for count in counts]
