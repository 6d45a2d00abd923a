"""Benchmarks: ``make bench`` (``python -m bench``) runs every ``bench/p*.py`` module's ``run()``.

``run()`` returns one row or a list of rows, each a dict with ``name``, ``ours_s``
and ``baseline_s`` (seconds), ``ratio``, ``peak_mb``, ``target`` (text) and
``note``; any of them may be None when it does not apply.
"""
