"""How long ``import hyperscout`` takes, and what an in-memory study pulls in on top.

Each row runs its code in a fresh interpreter ``--repeats`` times (wall clock around the code, in
that interpreter, so the interpreter's own start-up is not counted) and shows the median and the
fastest. The last column says whether SQLAlchemy was imported by then: only a SQL storage needs it.

Run it on demand (it is not part of the test suite)::

    python benchmarks/import_time.py               # 15 repeats (about a minute)
    python benchmarks/import_time.py --repeats 5 --check   # exit 1 when import hyperscout misses the target

Target: ``import hyperscout`` under 0.4 s (median).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

#: The target of issue 13: ``import hyperscout`` takes less than this many seconds (median).
TARGET_S = 0.4

_PROBE = """
import json, sys, time
t0 = time.perf_counter()
{code}
t1 = time.perf_counter()
print(json.dumps({{"s": t1 - t0, "sqlalchemy": "sqlalchemy" in sys.modules}}))
"""

ROWS: list[tuple[str, str]] = [
    ("import numpy", "import numpy"),
    ("import sqlalchemy", "import sqlalchemy"),
    ("import hyperscout", "import hyperscout"),
    # Random search, so that what is measured is the study machinery, not a model's own imports.
    (
        "import hyperscout + in-memory study, 10 trials",
        "import hyperscout as hs\n"
        "hs.create_study(sampler=hs.samplers.RandomSampler(seed=0))"
        ".optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=10, show_progress_bar=False)",
    ),
    (
        "import hyperscout + SQLite study, 10 trials",
        "import hyperscout as hs\n"
        "hs.create_study(storage='sqlite:///{db}', sampler=hs.samplers.RandomSampler(seed=0))"
        ".optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=10, show_progress_bar=False)",
    ),
]


def measure(code: str, repeats: int) -> tuple[list[float], bool]:
    """Seconds the code took in each of ``repeats`` fresh interpreters, and whether SQLAlchemy got imported."""
    times = []
    sqlalchemy = False
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="hs-import-") as tmp:
            probe = _PROBE.format(code=code.replace("{db}", os.path.join(tmp, "s.db")))
            out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        times.append(float(result["s"]))
        sqlalchemy = bool(result["sqlalchemy"])
    return times, sqlalchemy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15, help="fresh interpreters per row (default 15)")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when the target is missed")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be positive")

    # One untimed run first, so that every timed run finds the bytecode compiled and the files cached.
    measure("import hyperscout", 1)
    print(f"Python {platform.python_version()}, {platform.platform()}, {os.cpu_count()} CPUs; "
          f"median and fastest of {args.repeats} fresh interpreters\n")  # fmt: skip
    print("| code | median s | fastest s | SQLAlchemy imported |")
    print("|:-----|---------:|----------:|:--------------------|")
    medians = {}
    for label, code in ROWS:
        times, sqlalchemy = measure(code, args.repeats)
        medians[label] = statistics.median(times)
        print(f"| {label} | {medians[label]:.3f} | {min(times):.3f} | {'yes' if sqlalchemy else 'no'} |", flush=True)
    met = medians["import hyperscout"] < TARGET_S
    print(f"\nTarget (import hyperscout under {TARGET_S} s, median): {'MET' if met else 'MISSED'}, "
          f"{medians['import hyperscout']:.3f} s")  # fmt: skip
    return 0 if met or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
