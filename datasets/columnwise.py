"""Work done column by column on a table, in threads when the table is large enough to gain.

Arrow and numpy kernels release the GIL, so a large table's columns are processed at once on
several cores. A small table's columns take less time than starting and joining the threads
(a 50-row upload started four threads, a tenth of its request's CPU), so they run inline.
"""

from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa

THREADED_ROWS = 10_000


def worth_threads(table):
    return table.num_rows >= THREADED_ROWS


def map_columns(function, table, threads=None):
    """``[function(name, column) for each column]`` in column order, on ``threads`` threads
    (default: one per CPU) when the table is worth them."""
    names, columns = table.column_names, table.columns
    if not worth_threads(table):
        return list(map(function, names, columns))
    with ThreadPoolExecutor(threads or pa.cpu_count()) as pool:
        return list(pool.map(function, names, columns))
