"""The one look of every chart: fonts, sizes, colours, footnotes, and output.

Charts are drawn in web threads at the same time, so nothing here uses
pyplot: every chart is its own ``matplotlib.figure.Figure`` on an Agg canvas.
Matplotlib still reads a few settings (fonts, SVG output) from its global
``rcParams``; they are set once, when this module is imported, and never
changed afterwards, so concurrent renders all read the same values.
"""

import io
import re
import textwrap

import matplotlib
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common
# colour-vision deficiency. Ordered for contrast on white (yellow, the weakest, late).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
# Diverging map for correlations (ColorBrewer RdBu, colour-blind safe), negative blue, positive red.
DIVERGING = "RdBu_r"
# Beyond the palette, series are told apart by line style as well as colour.
LINE_STYLES = ("-", "--", "-.", ":")
MUTED = "#666666"
GRID = "#e6e6e6"

DPI = 150  # PNG: a 7.2 in wide chart is 1080 px
WIDTH = 7.2
HEIGHT = 4.5
MAX_WIDTH = 14.0  # 2100 px: wide enough for 50 groups, small enough to load quickly
FONT_SIZE = 9
SMALL_SIZE = 7.5
LABEL_CHARS = 32  # longer category labels are shortened with an ellipsis

# Suppressed counts are drawn as hatched, uncoloured placeholders of height k.
PLACEHOLDER = {"facecolor": "white", "edgecolor": "#999999", "hatch": "////", "linewidth": 0.8}

matplotlib.rcParams.update(
    {
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"],  # ships with matplotlib: the same metrics everywhere
        "font.size": FONT_SIZE,
        "axes.titlesize": FONT_SIZE + 1,
        "axes.labelsize": FONT_SIZE,
        "axes.edgecolor": "#333333",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": cycler(color=PALETTE),
        "axes.axisbelow": True,
        "grid.color": GRID,
        "xtick.labelsize": SMALL_SIZE + 0.5,
        "ytick.labelsize": SMALL_SIZE + 0.5,
        "legend.fontsize": SMALL_SIZE + 0.5,
        "legend.frameon": False,
        # Labels are research data: "$100" must print as written, never parse as mathtext.
        "text.parse_math": False,
        # SVG text stays text (selectable, readable by screen readers, searchable), and the
        # ids matplotlib generates come from a fixed salt, so the same chart gives the same bytes.
        "svg.fonttype": "none",
        "svg.hashsalt": "biostat-charts",
        "savefig.dpi": DPI,
    }
)

CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
# No creation date or software version in the file: identical charts are identical bytes.
METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


def figure(width=WIDTH, height=HEIGHT):
    """A new figure on its own Agg canvas, laid out by constrained layout."""
    fig = Figure(figsize=(min(width, MAX_WIDTH), height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def width_for(items, per_item, minimum=WIDTH):
    """A figure width that gives ``items`` things about ``per_item`` inches each."""
    return max(minimum, min(MAX_WIDTH, 1.5 + items * per_item))


def title(fig, text):
    fig.suptitle(text, x=0.01, ha="left", fontsize=FONT_SIZE + 2, fontweight="bold")


def label(spec, name):
    """An axis label for a column: the data-dictionary label and unit when the spec carries
    them (``labels``: {column: "Label (unit)"}), else the column name."""
    return (spec.get("labels") or {}).get(name) or str(name)


# What follows the column in a model term: a level of a categorical column, or a power.
_TERM_SUFFIX = re.compile(r"\[.*\]|\^[0-9]+")


def term_label(spec, term):
    """A model term with its column's label: "Treatment arm[B]", "Age (years)^2"."""
    labels = spec.get("labels") or {}
    term = str(term)
    columns = [
        column for column in labels if term.startswith(column) and _TERM_SUFFIX.fullmatch(term, len(column))
    ]
    if term in labels or not columns:
        return label(spec, term)
    column = max(columns, key=len)
    return labels[column] + term[len(column) :]


def short(value):
    """A category shown on an axis or legend, shortened to LABEL_CHARS."""
    text = str(value)
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "\u2026"


def colour(index):
    return PALETTE[index % len(PALETTE)]


def line_style(index):
    return LINE_STYLES[(index // len(PALETTE)) % len(LINE_STYLES)]


def placeholder_handle(k):
    return Patch(label=f"<{k}: count suppressed", **PLACEHOLDER)


def rotate_ticks(axes, labels):
    """Rotate category labels when they would not fit side by side."""
    longest = max((len(str(text)) for text in labels), default=0)
    if len(labels) > 8 or longest * len(labels) > 60:
        axes.tick_params(axis="x", labelrotation=45)
        for tick in axes.get_xticklabels():
            tick.set_horizontalalignment("right")
            tick.set_rotation_mode("anchor")


def nothing_to_draw(axes, text):
    """Say why a chart is empty instead of showing bare axes."""
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", color=MUTED)
    axes.set_xticks([])
    axes.set_yticks([])


def add_footnotes(fig, notes):
    """Small grey lines under the chart; the figure grows so the plot keeps its size."""
    if not notes:
        return
    chars = int(fig.get_figwidth() * 72 / (SMALL_SIZE * 0.55))
    lines = [line for note in notes for line in textwrap.wrap(note, chars)]
    height = len(lines) * SMALL_SIZE * 1.35 / 72 + 0.12
    fig.set_figheight(fig.get_figheight() + height)
    share = height / fig.get_figheight()
    fig.get_layout_engine().set(rect=(0, share, 1, 1 - share))
    fig.text(
        0.08,
        0.06,
        "\n".join(lines),
        transform=fig.dpi_scale_trans,
        ha="left",
        va="bottom",
        fontsize=SMALL_SIZE,
        color=MUTED,
        linespacing=1.35,
    )


def save(fig, fmt):
    """The figure as (bytes, content type)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=DPI, metadata=METADATA[fmt], facecolor="white")
    data = buffer.getvalue()
    return (stable_clip_ids(data) if fmt == "svg" else data), CONTENT_TYPES[fmt]


CLIP_ID = re.compile(rb'id="(p[0-9a-f]{10})"')


def stable_clip_ids(svg):
    """matplotlib names some clip paths by hashing objects whose text includes their
    memory address, so the same chart could differ in those names alone: renumber
    them in order of appearance, so the same chart always gives the same bytes."""
    for number, old in enumerate(dict.fromkeys(CLIP_ID.findall(svg)), start=1):
        new = b"clip%d" % number
        svg = svg.replace(b'id="' + old + b'"', b'id="' + new + b'"').replace(
            b"url(#" + old + b")", b"url(#" + new + b")"
        )
    return svg
