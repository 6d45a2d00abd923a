"""Disclosure control inside one chart, and the footnotes that say what it changed.

Chart specs are stored exactly as the method made them; the rules of
``analyses.disclosure`` are applied here, per caller, when a chart is drawn.
"""

from ..disclosure import is_small, suppress_counts


class ChartRules:
    """What the caller may see (``k`` = the minimum cell count, or None for exact values)
    and the footnotes collected while drawing."""

    def __init__(self, min_cell_count):
        self.k = min_cell_count
        self.footnotes = []

    @property
    def exact(self):
        return self.k is None

    def is_small(self, count):
        return self.k is not None and is_small(count, self.k)

    def counts(self, counts):
        """The counts to draw: 1..k-1 replaced by None, with a footnote when any was."""
        if self.exact:
            return list(counts)
        shown = suppress_counts(counts, self.k)
        if any(value is None and count is not None for value, count in zip(shown, counts, strict=True)):
            self.suppressed()
        return shown

    def count_text(self, count):
        """A count as printed on the chart: "<k" when it is small (1..k-1), with a footnote."""
        if count is None:
            return ""
        if self.is_small(count):
            self.suppressed()
            return f"<{self.k}"
        return f"{int(count):,}" if float(count).is_integer() else f"{count:,}"

    def suppressed(self):
        self.footnote(
            f"Counts below {self.k} suppressed (shown as <{self.k}; holders of export see exact values)."
        )

    def footnote(self, text):
        if text not in self.footnotes:
            self.footnotes.append(text)
