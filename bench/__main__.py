"""Run every benchmark module (``bench/p*.py``) against a throwaway site and print one table.

``python -m bench p1 p5`` runs only the modules whose names start with those prefixes.

The site is local and disposable: ``BIOSTAT_LOCAL=1``, a temporary
``BIOSTAT_DATA_DIR`` (blob store and master key) and a migrated SQLite database
inside it, unless ``DATABASE_URL`` is already set.
"""

import importlib
import os
import pkgutil
import re
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

COLUMNS = ("name", "ours", "baseline", "ratio", "peak memory", "target", "met")


def prepare_site(directory):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "biostat.settings")
    os.environ["BIOSTAT_LOCAL"] = "1"
    os.environ["BIOSTAT_DATA_DIR"] = str(directory / "data")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{directory / 'bench.sqlite3'}")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def benchmark_modules(prefixes=()):
    package = Path(__file__).parent
    names = sorted(info.name for info in pkgutil.iter_modules([str(package)]))
    names = [name for name in names if name.startswith("p") and name[1:2].isdigit()]
    return [f"bench.{name}" for name in names if not prefixes or name.startswith(tuple(prefixes))]


def machine():
    """What the figures depend on: cores, CPU model, memory and how busy the machine is."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory_kb = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE)[1])
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({model[1] if model else 'unknown CPU'}), "
        f"{memory_kb / 2**20:.1f} GiB RAM, load average {load} (1, 5, 15 min)"
    )


def met(row):
    """True or False when the row's target is a ratio bound (``<= 1.5x``) and it has a ratio."""
    bound = re.fullmatch(r"<= ([\d.]+)x", row.get("target") or "")
    if bound is None or row.get("ratio") is None:
        return None
    return row["ratio"] <= float(bound[1])


def cells(row):
    def seconds(value):
        if value is None:
            return "-"
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"

    return (
        row["name"],
        seconds(row.get("ours_s")),
        seconds(row.get("baseline_s")),
        "-" if row.get("ratio") is None else f"{row['ratio']:.2f}x",
        "-" if not row.get("peak_mb") else f"{row['peak_mb']:.0f} MB",
        row.get("target") or "-",
        {True: "met", False: "MISSED", None: "-"}[met(row)],
    )


def print_table(rows):
    lines = [COLUMNS, *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    for index, line in enumerate(lines):
        print(" | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            print("-+-".join("-" * width for width in widths))
    for row in rows:
        if row.get("note"):
            print(f"  {row['name']}: {row['note']}")


def run_alone(run):
    """``python -m bench.<module>``: one benchmark's ``run()`` on a throwaway site, its table."""
    with tempfile.TemporaryDirectory(prefix="biostat-bench-") as site:
        prepare_site(Path(site))
        print(f"machine: {machine()}")
        result = run()
        print_table(result if isinstance(result, list) else [result])
        print(f"machine at the end: {machine()}")


def main(prefixes=()):
    directory = Path(tempfile.mkdtemp(prefix="biostat-bench-"))
    failed = False
    rows = []
    print(f"machine: {machine()}", flush=True)
    try:
        prepare_site(directory)
        for name in benchmark_modules(prefixes):
            print(f"running {name} ...", file=sys.stderr, flush=True)
            try:
                result = importlib.import_module(name).run()
            except Exception:  # one broken benchmark must not hide the others' figures
                traceback.print_exc()
                failed = True
                rows.append({"name": name, "note": "failed, see the traceback above"})
                continue
            rows.extend(result if isinstance(result, list) else [result])
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print_table(rows)
    print(f"machine at the end: {machine()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
