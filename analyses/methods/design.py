"""Design matrices for the regression models (linear, logistic, Cox).

A model term is a column name, or a power ``x^k`` (k from 2 to 10) of a
numeric column, named as written. A categorical (or boolean, or text) column
expands to one indicator ``name[level]`` per level against its first level.

The models are fitted in an internal, well-conditioned basis and reported in
the user's parameterisation:

- each numeric column is centred (when the model has a constant to absorb the
  shift, and its powers are 1..K with none missing) and scaled by a power of
  two, exactly: the difference is kept as a double-double (``hi + lo``), from
  Decimal arithmetic when the column is an exact decimal;
- powers are taken of the centred, scaled column in double-double precision,
  never of the raw column;
- the map from the internal coefficients back to the user's (the binomial
  expansion of ((x - c) / s)^k) is applied in exact rational arithmetic,
  because for a 10th-degree polynomial it is itself badly conditioned.

Internal column ``j`` and user coefficient ``j`` describe the same term, so a
problem found in the basis (collinearity) is reported with the user's names.
"""

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.linalg import qr

from . import common
from . import double_double as dd
from .base import MethodError

NUMERIC_TYPES = frozenset({"numeric", "integer"})
FACTOR_TYPES = frozenset({"categorical", "boolean", "text"})
PREDICTOR_TYPES = NUMERIC_TYPES | FACTOR_TYPES
MAX_POWER = 10
CONSTANT = "const"
_POWER_TERM = re.compile(r"^(?P<column>.+)\^(?P<power>[0-9]+)$")
# After scaling every column to unit length, a pivot below this marks a column
# as (numerically) a linear combination of the others.
_RANK_TOLERANCE = 1e-10


def parse_term(term):
    """``"x^3"`` -> ``("x", 3)``; a plain column name -> ``(name, 1)``."""
    match = _POWER_TERM.match(term)
    if not match:
        return term, 1
    power = int(match["power"])
    if not 2 <= power <= MAX_POWER:
        raise MethodError(f"Term {term!r}: powers run from 2 to {MAX_POWER}.")
    return match["column"], power


def term_columns(terms):
    """The columns the terms use, in order, without repeats."""
    return list(dict.fromkeys(parse_term(term)[0] for term in terms))


def float_values(column):
    """A numeric, boolean or decimal column as float64 (for quantities that need no exact centring)."""
    if pa.types.is_boolean(column.type) or pa.types.is_decimal(column.type):
        column = pc.cast(column, pa.float64())
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=float)


@dataclass
class Centred:
    """``(column - centre) / scale`` as a double-double, with ``centre`` and ``scale`` exact."""

    hi: np.ndarray
    lo: np.ndarray
    centre: Fraction
    scale: Fraction


def centred(column, *, centre, scale=True):
    """Subtract the midrange exactly (when ``centre``) and divide by a power of two (when ``scale``).

    Unlike ``numerics.centred`` (one float64 per value, centred on the minimum),
    this keeps the exact difference as a double-double, also for float64 columns
    (two-sum is exact), and centres on the midrange so that powers of the result
    lie in [-1, 1], where a polynomial basis is best conditioned.
    """
    if pa.types.is_decimal(column.type):
        values = column.to_pylist()
        with localcontext() as context:
            context.prec = 100
            middle = (min(values) + max(values)) / 2 if centre else Decimal(0)
            differences = [value - middle for value in values]
            hi = np.array([float(d) for d in differences])
            lo = np.array([float(d - Decimal(h)) for d, h in zip(differences, hi, strict=True)])
        offset = Fraction(middle)
    elif pa.types.is_integer(column.type):
        values = np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int64)
        low, high = int(values.min()), int(values.max())
        middle = (low + high) // 2 if centre else 0
        if max(abs(high - middle), abs(low - middle)) >= 2**62:
            return centred(pc.cast(column, pa.float64()), centre=centre, scale=scale)
        differences = values - np.int64(middle)
        hi = differences.astype(float)
        lo = (differences - hi.astype(np.int64)).astype(float)
        offset = Fraction(middle)
    else:
        values = float_values(column)
        middle = (values.min() / 2 + values.max() / 2) if centre else 0.0
        hi, lo = dd.two_sum(values, -middle)
        offset = Fraction(middle)
    spread = float(np.max(np.abs(hi))) if len(hi) else 0.0
    factor = Fraction(2) ** math.ceil(math.log2(spread)) if scale and spread > 0 else Fraction(1)
    return Centred(hi / float(factor), lo / float(factor), offset, factor)


@dataclass
class Design:
    """The model matrix of one fit: ``names[j]`` is the user's name of column ``j``.

    ``hi + lo`` is the internal basis; ``transform[i]`` maps it back: user
    coefficient ``i`` = sum over ``j`` of ``transform[i][j] * internal[j]``.
    ``terms`` groups coefficient indexes by model term (a categorical column is
    one term of several coefficients). ``user_matrix`` is the design in the
    user's parameterisation, in float64, for diagnostics. ``absorbs_constant``:
    the model has an implicit constant (Cox's baseline hazard).
    """

    names: list
    hi: np.ndarray
    lo: np.ndarray
    transform: list
    terms: list = field(default_factory=list)
    user_matrix: np.ndarray = None
    absorbs_constant: bool = False

    @property
    def n(self):
        return self.hi.shape[0]

    @property
    def p(self):
        return self.hi.shape[1]

    def coefficients(self, internal):
        """User coefficients from exact internal ones (Fractions), rounded once."""
        return [float(sum(weight * internal[j] for j, weight in row.items())) for row in self.transform]

    def covariance(self, internal):
        """``T C T'`` for an internal covariance matrix ``C`` (float), in exact arithmetic, rounded once."""
        exact = [[Fraction(value) for value in row] for row in np.asarray(internal, dtype=float).tolist()]
        rows = [list(row.items()) for row in self.transform]
        result = np.empty((len(rows), len(rows)))
        for i, row_i in enumerate(rows):
            for k in range(i, len(rows)):
                total = sum(wi * wk * exact[j][m] for j, wi in row_i for m, wk in rows[k])
                result[i, k] = result[k, i] = float(total)
        return result

    def check_rank(self):
        """Refuse a design whose columns are (numerically) linearly dependent, naming the culprits."""
        if self.n <= self.p:
            raise MethodError(
                f"Too few rows: {self.n} complete row(s) for {self.p} coefficient(s); "
                "the model needs more rows than coefficients."
            )
        # With the constant absorbed (Cox), a combination of columns that is constant is degenerate too.
        basis = self.hi - self.hi.mean(axis=0) if self.absorbs_constant else self.hi
        norms = np.sqrt(np.sum(basis**2, axis=0))
        constant = [self.names[j] for j in np.flatnonzero(norms == 0)]
        if constant:
            raise MethodError(
                f"{', '.join(constant)}: no variation in the rows used; remove it from the model."
            )
        _, r, pivots = qr(basis / norms, mode="economic", pivoting=True)
        diagonal = np.abs(np.diag(r))
        rank = int(np.sum(diagonal > _RANK_TOLERANCE * diagonal[0]))
        if rank < self.p:
            kept = [self.names[j] for j in sorted(pivots[:rank])]
            dropped = [self.names[j] for j in sorted(pivots[rank:])]
            raise MethodError(
                f"Collinear predictors: {', '.join(dropped)} "
                f"{'is' if len(dropped) == 1 else 'are'} a linear combination of {', '.join(kept)} "
                "in the rows used; remove one of them."
            )


def build(table, columns, terms, *, constant):
    """The design for ``terms`` over the rows of ``table`` (complete cases already taken).

    ``constant`` is ``"intercept"`` (a ``const`` coefficient), ``"none"``
    (regression through the origin) or ``"absorbed"`` (Cox: the baseline hazard
    absorbs any constant, so columns may be centred but no coefficient is reported).
    """
    parsed = [parse_term(term) for term in terms]
    if len(set(parsed)) < len(parsed):
        repeated = sorted({term for term, key in zip(terms, parsed, strict=True) if parsed.count(key) > 1})
        raise MethodError(f"Term(s) listed more than once: {', '.join(repeated)}.")
    powers = {}
    for column, power in parsed:
        powers.setdefault(column, set()).add(power)

    n = table.num_rows
    names, his, los, raws, transform, groups = [], [], [], [], [], []
    if constant == "intercept":
        names.append(CONSTANT)
        his.append(np.ones(n))
        los.append(np.zeros(n))
        raws.append(np.ones(n))
        transform.append({0: Fraction(1)})
        groups.append((CONSTANT, [0]))

    families = {}
    for term, (column, power) in zip(terms, parsed, strict=True):
        kind = columns.get(column, {}).get("type", "numeric")
        if kind in FACTOR_TYPES:
            if powers[column] != {1}:
                raise MethodError(f"Term {term!r}: {column} is {kind}; powers need a numeric column.")
            levels, codes = common.levels_in_order(table.column(column), columns.get(column))
            levels = [str(level).lower() if isinstance(level, bool) else str(level) for level in levels]
            if len(levels) < 2:
                raise MethodError(
                    f"{column} has a single level ({levels[0] if levels else 'none'}) in the rows used; "
                    "a predictor needs at least two."
                )
            start = len(names)
            for index, level in enumerate(levels[1:], start=1):
                indicator = (codes == index).astype(float)
                names.append(f"{column}[{level}]")
                his.append(indicator)
                los.append(np.zeros(n))
                raws.append(indicator)
                transform.append({len(transform): Fraction(1)})
            groups.append((column, list(range(start, len(names)))))
            continue
        if kind not in NUMERIC_TYPES:
            raise MethodError(
                f"Term {term!r}: {column} is {kind}; predictors must be numeric or categorical."
            )
        if column not in families:
            complete = powers[column] == set(range(1, max(powers[column]) + 1))
            families[column] = _Family(
                centred(table.column(column), centre=constant != "none" and complete),
                float_values(table.column(column)),
            )
        family = families[column]
        index = len(names)
        names.append(term)
        hi, lo = family.power(power)
        his.append(hi)
        los.append(lo)
        raws.append(family.raw**power)
        transform.append({})
        family.indexes[power] = index
        groups.append((term, [index]))

    for family in families.values():
        family.add_back_transformation(transform, has_constant=constant == "intercept")
    if not names:
        raise MethodError("The model has no terms.")
    return Design(
        names=names,
        hi=np.column_stack(his),
        lo=np.column_stack(los),
        transform=transform,
        terms=groups,
        user_matrix=np.column_stack(raws),
        absorbs_constant=constant == "absorbed",
    )


class _Family:
    """The powers of one numeric column, in the centred, scaled basis z = (x - c) / s."""

    def __init__(self, base, raw):
        self.base = base
        self.raw = raw
        self.indexes = {}  # power -> coefficient index

    def power(self, k):
        hi, lo = self.base.hi, self.base.lo
        for _ in range(k - 1):
            hi, lo = dd.multiply(hi, lo, self.base.hi, self.base.lo)
        return hi, lo

    def add_back_transformation(self, transform, *, has_constant):
        # sum_m a_m z^m with z = (x - c)/s  ==  sum_k x^k * sum_{m>=k} a_m C(m,k) (-c)^(m-k) / s^m
        c, s = self.base.centre, self.base.scale
        for m, internal in self.indexes.items():
            for k in range(0, m + 1):
                weight = math.comb(m, k) * (-c) ** (m - k) / s**m
                if weight == 0:
                    continue
                if k == 0:
                    if has_constant:
                        transform[0][internal] = transform[0].get(internal, 0) + weight
                else:
                    target = transform[self.indexes[k]]
                    target[internal] = target.get(internal, 0) + weight
