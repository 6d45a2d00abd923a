import time

import pyarrow as pa
import pytest

from analyses import runner
from analyses.methods.base import Method, MethodError, MethodResult


class Mean(Method):
    name = "mean"

    def run(self, table, params, columns):
        values = table.column("x").to_pylist()
        return MethodResult(summary={"mean": sum(values) / len(values)})


class Refuses(Method):
    name = "refuses"

    def run(self, table, params, columns):
        raise MethodError("The variable is constant.")


class Crashes(Method):
    name = "crashes"
    label = "Crashing"

    def run(self, table, params, columns):
        return 1 / 0


class Sleeps(Method):
    name = "sleeps"

    def run(self, table, params, columns):
        time.sleep(30)


TABLE = pa.table({"x": [1.0, 2.0, 6.0]})


def test_result_comes_back_from_the_child():
    result = runner.execute(Mean(), TABLE, {}, {}, time_limit=30)
    assert result.summary == {"mean": 3.0}


def test_method_error_keeps_its_message():
    with pytest.raises(MethodError, match="The variable is constant."):
        runner.execute(Refuses(), TABLE, {}, {}, time_limit=30)


def test_crash_becomes_a_readable_method_error():
    with pytest.raises(MethodError, match="The Crashing computation failed: ZeroDivisionError"):
        runner.execute(Crashes(), TABLE, {}, {}, time_limit=30)


def test_time_limit_stops_the_computation():
    started = time.monotonic()
    with pytest.raises(runner.AnalysisTimeout, match="time limit of 1 s"):
        runner.execute(Sleeps(), TABLE, {}, {}, time_limit=1)
    assert time.monotonic() - started < 10


def test_ticks_while_the_child_computes():
    ticks = []
    with pytest.raises(runner.AnalysisTimeout):
        runner.execute(
            Sleeps(), TABLE, {}, {}, time_limit=1.0, on_tick=lambda: ticks.append(1), tick_seconds=0.2
        )
    assert len(ticks) >= 3
