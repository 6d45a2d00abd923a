"""Logistic regression (binomial GLM, logit link) by iteratively reweighted
least squares with step halving, as R's ``glm``; Wald tests and confidence
intervals, odds ratios with Wald limits on the odds-ratio scale.

Fitted in the centred, scaled basis of ``design`` and reported in the user's
parameterisation. Perfect or quasi-complete separation (the maximum
likelihood estimate does not exist) is refused with a clear error: when the
fit drifts towards fitted probabilities of 0 or 1, a linear program decides
whether some direction b separates the outcomes (x_i' b >= 0 for events,
<= 0 for non-events, not all zero), as in Konis (2007) and R's
``detectseparation``, and names the terms involved.

Chart ``forest``: odds ratios with their confidence intervals, log scale.
"""

import math
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import optimize, stats

from . import common, design, register
from .base import Method, MethodError
from .linear_regression import forest_chart

CONFIDENCE = 0.95
MAX_ITERATIONS = 50
TOLERANCE = 1e-12  # relative change in deviance, as glm's epsilon (1e-8 there)
# |linear predictor| beyond this means fitted probabilities within 1e-13 of 0 or 1.
SATURATED_ETA = 30.0
OUTCOME_TYPES = frozenset({"boolean", "integer", "numeric", "categorical"})


def binary_outcome(column, name, entry):
    """The outcome as 0/1 floats, and the label of the level counted as the event (1)."""
    if pa.types.is_boolean(column.type):
        return np.asarray(column.to_numpy(zero_copy_only=False), dtype=float), "true"
    if (
        pa.types.is_integer(column.type)
        or pa.types.is_floating(column.type)
        or pa.types.is_decimal(column.type)
    ):
        values = np.asarray(pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False))
        found = np.unique(values)
        if not set(found.tolist()) <= {0.0, 1.0}:
            shown = ", ".join(f"{value:g}" for value in found[:5])
            raise MethodError(f"The outcome {name!r} must be binary (0/1 or two categories); found {shown}.")
        return values, "1"
    levels, codes = common.levels_in_order(column, entry)
    if len(levels) != 2:
        raise MethodError(
            f"The outcome {name!r} must have exactly two categories in the rows used; found {len(levels)}."
        )
    return codes.astype(float), str(levels[1])


def _log_likelihood(y, eta):
    # log(1 + e^eta) computed stably for large |eta|
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def irls(x, y):
    """Newton-Raphson (IRLS, for the canonical link) with step halving: (beta, converged, iterations)."""
    beta = np.zeros(x.shape[1])
    loglik = _log_likelihood(y, x @ beta)
    for iteration in range(1, MAX_ITERATIONS + 1):
        eta = x @ beta
        mu = 1.0 / (1.0 + np.exp(-eta))
        weight = mu * (1.0 - mu)
        information = x.T @ (x * weight[:, None])
        try:
            step = np.linalg.solve(information, x.T @ (y - mu))
        except np.linalg.LinAlgError:
            return beta, False, iteration
        for _ in range(30):
            new_loglik = _log_likelihood(y, x @ (beta + step))
            if new_loglik >= loglik:
                break
            step = step / 2
        beta = beta + step
        change = abs(new_loglik - loglik)
        loglik = new_loglik
        if change <= TOLERANCE * (abs(loglik) + 0.1):
            return beta, True, iteration
    return beta, False, MAX_ITERATIONS


def separating_direction(x, y):
    """A direction b != 0 with x_i'b >= 0 where y = 1 and <= 0 where y = 0, or None (Konis's LP)."""
    sign = np.where(y > 0, 1.0, -1.0)
    a = -(x * sign[:, None])  # constraints: -(s_i x_i)'b <= 0
    objective = -(sign @ x)  # maximise sum_i s_i x_i'b (bounded by the box)
    bounds = [(-1, 1)] * x.shape[1]
    result = optimize.linprog(objective, A_ub=a, b_ub=np.zeros(len(y)), bounds=bounds, method="highs")
    # Without separation only b = 0 is feasible (x has full rank) and the optimum is 0.
    if result.status != 0 or -result.fun <= 1e-9 * float(np.abs(x).sum()):
        return None
    return result.x


def _exp(value):
    """exp, or None where it would overflow (a coefficient of hundreds on the log-odds scale)."""
    return math.exp(value) if value < 709 else None


@register
class LogisticRegression(Method):
    name = "logistic_regression"
    label = "Logistic regression"
    parameters = common.object_schema(
        "Logistic regression",
        {
            "outcome": common.variable_parameter("The binary outcome (boolean, 0/1, or two categories)."),
            "predictors": common.variable_list_parameter(
                "Predictor terms: column names, or powers such as x^2 (2..10) of a numeric column."
            ),
        },
        ["outcome", "predictors"],
    )
    variable_types = {"outcome": OUTCOME_TYPES, "predictors": design.PREDICTOR_TYPES}

    def variables(self, params):
        return list(dict.fromkeys([params["outcome"], *design.term_columns(params["predictors"])]))

    def run(self, table, params, columns):
        outcome, terms = params["outcome"], params["predictors"]
        if outcome in design.term_columns(terms):
            raise MethodError(f"The outcome {outcome!r} is also a predictor.")
        used, dropped = common.complete_rows(table, self.variables(params))
        common.require_values(used.num_rows, outcome)
        y, event_label = binary_outcome(used.column(outcome), outcome, columns.get(outcome))
        if y.min() == y.max():
            raise MethodError(
                f"The outcome {outcome!r} takes a single value in the rows used; nothing to model."
            )
        model = design.build(used, columns, terms, constant="intercept")
        model.check_rank()
        x = model.hi + model.lo
        internal, converged, iterations = irls(x, y)
        eta = x @ internal
        if not converged or np.max(np.abs(eta)) > SATURATED_ETA:
            direction = separating_direction(x, y)
            if direction is not None:
                involved = [name for name, b in zip(model.names, direction, strict=True) if abs(b) > 1e-9]
                raise MethodError(
                    "Perfect or quasi-complete separation: "
                    f"{', '.join(n for n in involved if n != design.CONSTANT) or 'the constant'} "
                    f"predict(s) {outcome!r} exactly for some rows, so the maximum likelihood estimates do "
                    "not exist (they are infinite). Remove or combine those terms, or collect more data."
                )
            if not converged:
                raise MethodError(f"The logistic regression did not converge in {MAX_ITERATIONS} iterations.")
        mu = 1.0 / (1.0 + np.exp(-eta))
        information = x.T @ (x * (mu * (1.0 - mu))[:, None])
        covariance = model.covariance(np.linalg.inv(information))
        estimates = model.coefficients([Fraction(float(value)) for value in internal])
        z = stats.norm.ppf(1 - (1 - CONFIDENCE) / 2)
        rows = []
        for j, term in enumerate(model.names):
            estimate, std_error = estimates[j], math.sqrt(covariance[j, j])
            statistic = estimate / std_error
            rows.append(
                {
                    "term": term,
                    "estimate": estimate,
                    "std_error": std_error,
                    "statistic": statistic,
                    "p_value": float(2 * stats.norm.sf(abs(statistic))),
                    "odds_ratio": _exp(estimate),
                    "ci_low": _exp(estimate - z * std_error),
                    "ci_high": _exp(estimate + z * std_error),
                }
            )
        log_likelihood = _log_likelihood(y, eta)
        summary = {
            "n": len(y),
            "events": int(y.sum()),
            "event_level": event_label,
            "log_likelihood": log_likelihood,
            "aic": -2 * log_likelihood + 2 * model.p,
            "deviance": -2 * log_likelihood,
            "converged": converged,
            "iterations": iterations,
        }
        notes = [
            common.dropped_note(dropped, self.variables(params)),
            f"Modelled: the probability that {outcome} = {event_label}.",
        ]
        chart = forest_chart(
            "forest-odds-ratios",
            "Odds ratios",
            rows,
            reference=1.0,
            log_scale=True,
            value="odds_ratio",
            x_label="Odds ratio",
        )
        return common.result(summary, {"coefficients": rows}, notes, [chart], columns)
