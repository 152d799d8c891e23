"""Start-up time of the ``gridmgr`` command, against the least a Python command can cost.

    python bench/bench_startup.py [--repeats 3] [--strict]

Wall time of whole processes, best of --repeats runs each (every run is listed too):

- ``gridmgr --help`` against a minimal click command's ``--help`` (Python, click, nothing
  else);
- ``gridmgr locate 106.71 26.58`` on a temporary embedded DuckDB database (made once by
  ``gridmgr init``, not timed), against a script that reads the bundled grids
  (data/boundaries/grids.geojson, EPSG:4326) with pyogrio and locates the same point with
  shapely (the grids covering it, the smallest code first).

The first ``locate`` run on a fresh database also builds the generation's locate index; the
later runs may find it cached beside the database file. Prints the figures, the ratios and
whether the goals (``--help`` under 0.3 s, ``locate`` under 0.5 s) are met; ``--strict``
exits with status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRIDS = ROOT / "data" / "boundaries" / "grids.geojson"
POINT = ("106.71", "26.58")  # lon, lat (WGS84 degrees)
HELP_GOAL_S = 0.3
LOCATE_GOAL_S = 0.5

MINIMAL_CLICK = '''
import click


@click.command()
@click.argument("lon", type=float)
@click.argument("lat", type=float)
def main(lon: float, lat: float) -> None:
    """Print LON LAT."""
    click.echo(f"{lon} {lat}")


main()
'''

PYOGRIO_LOCATE = """
import sys

import pyogrio
import shapely

lon, lat = float(sys.argv[2]), float(sys.argv[3])
frame = pyogrio.read_dataframe(sys.argv[1], columns=["code"])
geoms = frame.geometry.to_numpy()
tree = shapely.STRtree(geoms)
hits = tree.query(shapely.Point(lon, lat), predicate="covered_by")
codes = sorted(frame["code"].to_numpy()[hits])
print(codes[0] if codes else "unassigned")
"""


def gridmgr_command() -> list[str]:
    """The installed ``gridmgr`` script beside this Python, else ``python -m api.cli``."""
    script = Path(sys.executable).parent / "gridmgr"
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


def timed_runs(argv: list[str], repeats: int, env: dict[str, str]) -> list[float]:
    """Wall seconds of ``repeats`` runs of ``argv``; a failing run stops the benchmark."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return times


def show(label: str, times: list[float]) -> float:
    best = min(times)
    runs = ", ".join(f"{t:.3f}" for t in times)
    print(f"  {label:<34} best {best:6.3f} s   (runs: {runs})")
    return best


def verdict(label: str, seconds: float, goal: float) -> bool:
    met = seconds < goal
    print(f"  {label:<34} {seconds:6.3f} s  goal < {goal} s: {'met' if met else 'MISSED'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--strict", action="store_true", help="Exit 1 when a goal is missed.")
    args = parser.parse_args()

    gridmgr = gridmgr_command()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = dict(os.environ, GRIDMGR_DATABASE_URL=f"duckdb:///{tmp}/bench.duckdb")
        minimal = Path(tmp) / "minimal_click.py"
        minimal.write_text(textwrap.dedent(MINIMAL_CLICK))
        reference = Path(tmp) / "pyogrio_locate.py"
        reference.write_text(textwrap.dedent(PYOGRIO_LOCATE))

        start = time.perf_counter()
        timed_runs([*gridmgr, "init"], 1, env)
        print(f"gridmgr init (once, not compared): {time.perf_counter() - start:.2f} s")

        print(f"Wall time, best of {args.repeats}:")
        help_s = show("gridmgr --help", timed_runs([*gridmgr, "--help"], args.repeats, env))
        click_s = show(
            "minimal click command --help",
            timed_runs([sys.executable, str(minimal), "--help"], args.repeats, env),
        )
        locate_s = show(
            f"gridmgr locate {' '.join(POINT)}",
            timed_runs([*gridmgr, "locate", *POINT], args.repeats, env),
        )
        script_s = show(
            "pyogrio + shapely script",
            timed_runs([sys.executable, str(reference), str(GRIDS), *POINT], args.repeats, env),
        )

    print("Ratios:")
    print(f"  gridmgr --help / minimal click     {help_s / click_s:6.2f}")
    print(f"  gridmgr locate / pyogrio + shapely {locate_s / script_s:6.2f}")
    print("Goals:")
    met = verdict("gridmgr --help", help_s, HELP_GOAL_S)
    met &= verdict("gridmgr locate", locate_s, LOCATE_GOAL_S)
    if args.strict and not met:
        sys.exit(1)


if __name__ == "__main__":
    main()
