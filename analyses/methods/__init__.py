"""The registry of analysis methods, one module per method."""

import importlib

REGISTRY = {}

METHOD_MODULES = [  # module names under analyses.methods, appended as methods land
    "descriptive",
    "table_one",
    "ttest",
    "mann_whitney",
    "chi_square",
    "anova",
    "kruskal",
    "correlation",
    "linear_regression",
    "logistic_regression",
    "kaplan_meier",
    "cox_ph",
]


def register(method_class):
    REGISTRY[method_class.name] = method_class()
    return method_class


def get(name):
    _load()
    return REGISTRY[name]


def all_methods():
    _load()
    return list(REGISTRY.values())


def _load():
    for module in METHOD_MODULES:
        importlib.import_module(f"{__name__}.{module}")
