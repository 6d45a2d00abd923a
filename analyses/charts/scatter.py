"""Scatter plot of individual rows with a fit line: for holders of export only.

Spec: {x_variable, y_variable, points: {x: [...], y: [...]}, line: {x: [...],
y: [...], label}, n, individual_points: true}, optionally ``labels``. With
``x_variable`` None the x axis is the fitted value of ``y_variable`` (observed
against fitted). ``n`` is the number of rows; when the spec carries fewer
points they are a random sample and a footnote says so.

Plotting individual points is never allowed under disclosure control:
``render`` refuses such a spec before it gets here.
"""

from . import style

# Beyond this many points, smaller translucent dots show density instead of a solid blot,
# and the SVG holds the dots as one embedded image rather than thousands of elements.
CROWDED = 1000


def draw(spec, rules):
    points, line, n = spec["points"], spec.get("line"), spec["n"]
    shown = len(points["x"])
    crowded = shown > CROWDED
    fig = style.figure()
    axes = fig.add_subplot()
    axes.scatter(
        points["x"],
        points["y"],
        s=6 if crowded else 14,
        alpha=0.35 if crowded else 0.75,
        color=style.colour(0),
        linewidths=0,
        rasterized=crowded,
        label="Rows",
    )
    if line:
        axes.plot(line["x"], line["y"], color=style.colour(1), linewidth=1.8, label=line["label"])
    outcome = style.label(spec, spec["y_variable"])
    x_variable = spec.get("x_variable")
    axes.set_xlabel(style.label(spec, x_variable) if x_variable else f"Fitted value of {outcome}")
    axes.set_ylabel(outcome)
    axes.grid(True)
    axes.legend(loc="best")
    if shown < n:
        rules.footnote(
            f"Points: a random sample of {shown:,} of the {n:,} rows (the line is fitted to all of them)."
        )
    else:
        rules.footnote(f"One point per row ({n:,} rows).")
    return fig
