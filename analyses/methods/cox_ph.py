"""Cox proportional hazards regression with Efron's method for tied times.

Newton-Raphson with step halving (as R's ``coxph``), fully vectorised: the
data are sorted once by time; risk-set sums of exp(eta), exp(eta) x and
exp(eta) x x' are cumulative sums over the distinct times, and Efron's
correction runs over all deaths at once. The fit is done in the centred,
scaled basis of ``design`` and reported in the user's parameterisation.

Also reported, as R's survival package does them:

- Harrell's concordance as ``coxph`` reports it (pairs ordered by time where
  the earlier is an event; a censoring at the same time counts as later; tied
  events are not compared; tied risk scores count one half), counted in
  O(n log n) by a vectorised merge sort;
- the proportional hazards test of ``cox.zph`` (transform "km", per term and
  global): the score test for adding x * g(t) terms, g the centred
  left-continuous Kaplan-Meier transform of time.

Chart ``forest``: hazard ratios with their confidence intervals, log scale.
"""

import copy
import math
from fractions import Fraction

import numpy as np
from scipy import stats

from . import common, design, register
from .base import Method, MethodError
from .kaplan_meier import EVENT_TYPES, product_limit, survival_outcome
from .linear_regression import forest_chart

CONFIDENCE = 0.95
MAX_ITERATIONS = 50
# Converged when the log partial likelihood changes by less than this (relative); R uses 1e-9.
TOLERANCE = 1e-12
# A coefficient this large in the scaled basis (a hazard ratio of e^10 across half the covariate's
# range), with a standard error larger still, is one the likelihood pushes to infinity.
DIVERGED = 10.0


class _RiskSets:
    """The data sorted by time, descending, with the boundaries of tied times.

    Per-death quantities (Efron) run over the deaths grouped by death time,
    latest first, as the sorted rows do.
    """

    def __init__(self, times, events, x):
        self.order = np.lexsort((events, -times))  # by time descending
        self.times, self.x = times[self.order], x[self.order]
        self.dead = events[self.order].astype(bool)
        self.starts = np.flatnonzero(np.concatenate([[True], self.times[1:] != self.times[:-1]]))
        self.sizes = np.diff(np.append(self.starts, len(self.times)))
        self.deaths_per_time = np.add.reduceat(self.dead.astype(np.int64), self.starts)
        self.death_times = np.flatnonzero(self.deaths_per_time > 0)  # indexes of the distinct times
        d = self.deaths_per_time[self.death_times]
        self.death_time_of = np.repeat(np.arange(len(d)), d)
        self.time_of_row = np.repeat(np.arange(len(self.starts)), self.sizes)
        self.dead_rows = np.flatnonzero(self.dead)
        self.dead_starts = np.concatenate([[0], np.cumsum(d)[:-1]])  # the deaths are grouped by time
        # Efron: the l-th of d tied deaths (l = 0..d-1) sees the risk set less l/d of the deaths' weight.
        self.efron_fraction = (np.arange(d.sum()) - np.repeat(np.cumsum(d) - d, d)) / np.repeat(d, d)

    def with_covariates(self, x):
        """The same risk sets over other covariates for the same rows."""
        other = copy.copy(self)
        other.x = x[self.order]
        return other

    def _sums_at_death_times(self, values):
        """Sums over the risk set and over the deaths, at each death time."""
        risk = np.cumsum(np.add.reduceat(values, self.starts, axis=0), axis=0)[self.death_times]
        dying = np.add.reduceat(values[self.dead_rows], self.dead_starts, axis=0)
        return risk, dying

    def fit_terms(self, beta):
        """Log partial likelihood (Efron), the weights exp(eta), and per death its denominator and mean x."""
        eta = self.x @ beta
        eta -= eta.max()  # the partial likelihood does not change with a common shift
        w = np.exp(eta)
        k, f = self.death_time_of, self.efron_fraction
        risk0, dying0 = self._sums_at_death_times(w)
        risk1, dying1 = self._sums_at_death_times(w[:, None] * self.x)
        denominator = risk0[k] - f * dying0[k]
        mean = (risk1[k] - f[:, None] * dying1[k]) / denominator[:, None]
        loglik = float(eta[self.dead_rows].sum() - np.log(denominator).sum())
        return loglik, w, denominator, mean

    def score(self, mean):
        return self.x[self.dead_rows].sum(axis=0) - mean.sum(axis=0)

    def information(self, w, denominator, mean, weight=None):
        """sum over deaths of weight * (Efron) covariance of x over the risk set.

        Written as one weighted X'WX product: the risk-set second moments are
        never formed per death (that would cost deaths x p x p).
        """
        weight = np.ones(len(denominator)) if weight is None else weight
        per_time = len(self.starts)
        a = np.zeros(per_time)
        b = np.zeros(per_time)
        a[self.death_times] = np.bincount(self.death_time_of, weight / denominator, len(self.death_times))
        b[self.death_times] = np.bincount(
            self.death_time_of, weight * self.efron_fraction / denominator, len(self.death_times)
        )
        # Row j is in the risk set of every death time at or before its own time.
        row_weight = w * np.cumsum(a[::-1])[::-1][self.time_of_row]
        row_weight[self.dead_rows] -= (w * b[self.time_of_row])[self.dead_rows]
        return self.x.T @ (self.x * row_weight[:, None]) - mean.T @ (mean * weight[:, None])


def newton_raphson(risk, p):
    """Maximise the Efron partial likelihood from beta = 0; returns (beta, information, loglik0, loglik)."""
    beta = np.zeros(p)
    loglik, w, denominator, mean = risk.fit_terms(beta)
    null_loglik = loglik
    for _ in range(MAX_ITERATIONS):
        information = risk.information(w, denominator, mean)
        try:
            step = np.linalg.solve(information, risk.score(mean))
        except np.linalg.LinAlgError:
            raise MethodError("The information matrix is singular; check for collinear covariates.") from None
        for _ in range(30):  # step halving, as R's coxph, while the likelihood does not improve
            candidate = risk.fit_terms(beta + step)
            if candidate[0] >= loglik:
                break
            step = step / 2
        converged = abs(candidate[0] - loglik) <= TOLERANCE * abs(loglik) and np.max(np.abs(step)) < 1e-9
        beta = beta + step
        loglik, w, denominator, mean = candidate
        if converged:
            break
    return beta, risk.information(w, denominator, mean), null_loglik, loglik


def concordance(times, events, risk_score):
    """Harrell's C as R's coxph reports it: (concordant + tied/2) / (concordant + discordant + tied)."""
    rank = np.unique(risk_score, return_inverse=True)[1].astype(np.int64)
    # Sequence: time descending; at a tie, censored first (they outlive the deaths), then deaths
    # by risk score descending, so the deaths tied with one come before it only with scores >= its own.
    order = np.lexsort((-rank, events, -times))
    rank_s, dead_s, time_s = rank[order], events[order].astype(bool), times[order]
    less, less_equal = _count_before(rank_s)
    positions = np.arange(len(order))
    new_time = np.concatenate([[True], time_s[1:] != time_s[:-1]])
    after_death = np.concatenate([[False], dead_s[:-1]])
    new_rank = np.concatenate([[True], rank_s[1:] != rank_s[:-1]])
    # Deaths at one time are contiguous (after the censorings): the run's start is the first of them.
    first_tied_death = np.maximum.accumulate(np.where(dead_s & (new_time | ~after_death), positions, 0))
    first_same_score = np.maximum.accumulate(
        np.where(dead_s & (new_time | ~after_death | new_rank), positions, 0)
    )
    comparable = (positions - (positions - first_tied_death))[dead_s]
    concordant = less[dead_s]
    tied = (less_equal - less - (positions - first_same_score))[dead_s]
    total = comparable.sum()
    if total == 0:
        return None
    return float((concordant.sum() + tied.sum() / 2) / total)


_FIRST_BLOCK = 16


def _count_before(values):
    """For each position i: #{j < i: v_j < v_i} and #{j < i: v_j <= v_i}.

    A bottom-up merge sort with every level vectorised: at width w, the
    elements of each pair of adjacent blocks, taken in value order (a stable
    radix grouping of one global sort), count for each right-block element the
    left-block elements before it. O(n log n) in about log2(n) numpy passes.
    """
    n = len(values)
    order = np.argsort(values, kind="stable")  # by value; equal values by position
    index = np.arange(n)
    run_start = np.concatenate([[True], values[order][1:] != values[order][:-1]])
    equal_before = np.empty(n, np.int64)
    equal_before[order] = index - np.maximum.accumulate(np.where(run_start, index, 0))
    # Within blocks of _FIRST_BLOCK positions, compare directly (cheaper than the first merge levels).
    padded = np.zeros(-(-n // _FIRST_BLOCK) * _FIRST_BLOCK, dtype=values.dtype)
    padded[:n] = values  # padding sits after every real element of its block, so it is never counted
    blocks = padded.reshape(-1, _FIRST_BLOCK)
    earlier = np.tri(_FIRST_BLOCK, k=-1, dtype=bool)  # [i, j]: j comes before i
    less_equal = ((blocks[:, None, :] <= blocks[:, :, None]) & earlier).sum(axis=2).reshape(-1)[:n]
    width = _FIRST_BLOCK
    while width < n:
        pair = order // (2 * width)
        small = n // (2 * width) < 2**16  # numpy sorts 16-bit keys by radix: linear time
        grouped = order[np.argsort(pair.astype(np.uint16) if small else pair, kind="stable")]
        is_left = (grouped // width) & 1 == 0
        left_before = np.cumsum(is_left) - is_left
        starts = np.concatenate([[True], grouped[1:] // (2 * width) != grouped[:-1] // (2 * width)])
        left_before -= np.maximum.accumulate(np.where(starts, left_before, 0))
        less_equal[grouped[~is_left]] += left_before[~is_left]
        width *= 2
    return less_equal - equal_before, less_equal


def proportional_hazards_test(risk, beta, terms):
    """cox.zph(fit, transform = "km"): per-term and global chi-square for adding x * g(t)."""
    g = 1.0 - _left_continuous_km(risk)
    g_death = g[risk.dead] - g[risk.dead].mean()
    _, w, denominator, mean = risk.fit_terms(beta)
    p = risk.x.shape[1]
    u = np.concatenate([np.zeros(p), g_death @ (risk.x[risk.dead] - mean)])  # g-weighted Schoenfeld residuals
    information = np.empty((2 * p, 2 * p))
    information[:p, :p] = risk.information(w, denominator, mean)
    information[:p, p:] = information[p:, :p] = risk.information(w, denominator, mean, g_death)
    information[p:, p:] = risk.information(w, denominator, mean, g_death**2)

    def chi_square(columns):
        keep = list(range(p)) + [p + j for j in columns]
        return float(u[keep] @ np.linalg.solve(information[np.ix_(keep, keep)], u[keep]))

    rows = []
    for name, columns in [*terms, ("GLOBAL", range(p))]:
        statistic = chi_square(columns)
        df = len(columns)
        rows.append({"term": name, "statistic": statistic, "df": df, "p_value": _chi2_sf(statistic, df)})
    return rows


def _refuse_infinite(names, internal, covariance):
    """Refuse a fit whose likelihood keeps rising as a coefficient grows (the estimate is infinite).

    There, Newton's method walks the coefficient out by about one unit per
    iteration while its information vanishes: in the scaled basis the
    coefficient is large and its standard error larger still.
    """
    variance = np.diag(covariance)
    with np.errstate(invalid="ignore"):
        infinite = ~(variance > 0) | ((np.abs(internal) > DIVERGED) & (np.sqrt(variance) > np.abs(internal)))
    if infinite.any():
        culprits = ", ".join(name for name, bad in zip(names, infinite, strict=True) if bad)
        raise MethodError(
            f"The coefficient of {culprits} grows without bound (monotone likelihood): for example a group "
            "with no events, or a covariate that orders the event times perfectly. Remove or regroup it."
        )


def _chi2_sf(statistic, df):
    return float(stats.chi2.sf(statistic, df))


def _left_continuous_km(risk):
    """Kaplan-Meier S(t-) of the whole sample at each row's own time (rows in risk's order)."""
    at_risk_desc = np.cumsum(risk.sizes)
    deaths = risk.deaths_per_time.astype(float)
    # Ascending time order for the product-limit estimate.
    survival, _ = product_limit(at_risk_desc[::-1], deaths[::-1])
    before = np.concatenate([[1.0], survival[:-1]])[::-1]  # S just before each distinct time, descending
    return np.repeat(before, risk.sizes)


@register
class CoxPH(Method):
    name = "cox_ph"
    label = "Cox proportional hazards"
    parameters = common.object_schema(
        "Cox proportional hazards",
        {
            "time": common.variable_parameter("Follow-up time (numeric, >= 0)."),
            "event": common.variable_parameter("Event indicator: boolean, or 1 = event, 0 = censored."),
            "covariates": common.variable_list_parameter(
                "Covariate terms: column names, or powers such as x^2 (2..10) of a numeric column."
            ),
        },
        ["time", "event", "covariates"],
    )
    variable_types = {
        "time": common.NUMERIC_TYPES,
        "event": EVENT_TYPES,
        "covariates": design.PREDICTOR_TYPES,
    }

    def variables(self, params):
        return list(
            dict.fromkeys([params["time"], params["event"], *design.term_columns(params["covariates"])])
        )

    def run(self, table, params, columns):
        time, event, terms = params["time"], params["event"], params["covariates"]
        overlap = {time, event} & set(design.term_columns(terms))
        if overlap:
            raise MethodError(f"{', '.join(sorted(overlap))} cannot be both the outcome and a covariate.")
        used, dropped = common.complete_rows(table, self.variables(params))
        common.require_values(used.num_rows, time)
        times, events = survival_outcome(used, time, event)
        model = design.build(used, columns, terms, constant="absorbed")
        model.check_rank()
        risk = _RiskSets(times, events, model.hi + model.lo)
        internal, information, null_loglik, loglik = newton_raphson(risk, model.p)
        internal_covariance = np.linalg.inv(information)
        _refuse_infinite(model.names, internal, internal_covariance)
        estimates = model.coefficients([Fraction(float(value)) for value in internal])
        covariance = model.covariance(internal_covariance)
        z = stats.norm.ppf(1 - (1 - CONFIDENCE) / 2)
        rows = []
        for j, term in enumerate(model.names):
            estimate, std_error = estimates[j], math.sqrt(covariance[j, j])
            statistic = estimate / std_error
            rows.append(
                {
                    "term": term,
                    "estimate": estimate,
                    "hazard_ratio": math.exp(estimate),
                    "std_error": std_error,
                    "statistic": statistic,
                    "p_value": float(2 * stats.norm.sf(abs(statistic))),
                    "ci_low": math.exp(estimate - z * std_error),
                    "ci_high": math.exp(estimate + z * std_error),
                }
            )
        lr = 2 * (loglik - null_loglik)
        summary = {
            "n": len(times),
            "events": int(events.sum()),
            "concordance": concordance(times, events, (model.hi + model.lo) @ internal),
            "log_likelihood": loglik,
            "log_likelihood_null": null_loglik,
            "lr_statistic": lr,
            "lr_df": model.p,
            "lr_p_value": _chi2_sf(lr, model.p),
        }
        # The PH test is computed in the user's parameterisation (as R): per-term tests are not
        # invariant to the centring that mixes a polynomial's terms.
        user = model.user_matrix - model.user_matrix.mean(axis=0)
        user_risk = risk.with_covariates(user)
        ph_test = proportional_hazards_test(user_risk, np.asarray(estimates), model.terms)
        notes = [common.dropped_note(dropped, self.variables(params))]
        chart = forest_chart(
            "forest-hazard-ratios",
            "Hazard ratios",
            rows,
            reference=1.0,
            log_scale=True,
            value="hazard_ratio",
            x_label="Hazard ratio",
        )
        return common.result(summary, {"coefficients": rows, "ph_test": ph_test}, notes, [chart], columns)
