"""Throughput of geo.coords' GCJ-02 / BD-09 conversions against prcoords.

    python bench/bench_coords.py [--n 1000000] [--prc-n 20000] [--repeats 5]

Points are uniform random in Yunyan District's bounding box (lon 106.59-106.79, lat
26.54-26.68). geo.coords converts all N at once; prcoords converts one point per call, so it
is timed on a smaller sample and its rate extrapolated. For the inverses the competitor is
prcoords' iterative ("bored") inverse, its counterpart in accuracy. Each figure is the best
of --repeats runs, timed with time.perf_counter.
"""

import argparse
import time

import numpy as np
import prcoords

from geo.coords import from_wgs84, to_wgs84

BBOX = (106.59, 106.79, 26.54, 26.68)  # lon min, lon max, lat min, lat max

# (conversion, geo.coords call, prcoords function on one (lat, lon) point, its name, input CRS)
CASES = [
    (
        "wgs84 -> gcj02",
        lambda lon, lat: from_wgs84(lon, lat, "gcj02"),
        prcoords.wgs_gcj,
        "wgs_gcj",
        "wgs84",
    ),
    (
        "gcj02 -> wgs84",
        lambda lon, lat: to_wgs84(lon, lat, "gcj02"),
        prcoords.gcj_wgs_bored,
        "gcj_wgs_bored",
        "gcj02",
    ),
    (
        "wgs84 -> bd09",
        lambda lon, lat: from_wgs84(lon, lat, "bd09"),
        prcoords.wgs_bd,
        "wgs_bd",
        "wgs84",
    ),
    (
        "bd09 -> wgs84",
        lambda lon, lat: to_wgs84(lon, lat, "bd09"),
        prcoords.bd_wgs_bored,
        "bd_wgs_bored",
        "bd09",
    ),
]


def best_time(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="points for geo.coords")
    parser.add_argument("--prc-n", type=int, default=20_000, help="points for prcoords")
    parser.add_argument("--repeats", type=int, default=5, help="runs; the best one counts")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    wgs = rng.uniform(BBOX[0], BBOX[1], args.n), rng.uniform(BBOX[2], BBOX[3], args.n)
    inputs = {"wgs84": wgs, "gcj02": from_wgs84(*wgs, "gcj02"), "bd09": from_wgs84(*wgs, "bd09")}
    small = {crs: (lon[: args.prc_n], lat[: args.prc_n]) for crs, (lon, lat) in inputs.items()}

    print(
        f"geo.coords: {args.n:,} points; prcoords: {args.prc_n:,} points, extrapolated; "
        f"best of {args.repeats}"
    )
    header = f"{'conversion':<16}{'method':<26}{'points/s':>14}{'ratio to prcoords':>20}"
    print(header)
    print("-" * len(header))
    for label, ours, theirs, name, crs in CASES:
        lon, lat = inputs[crs]
        ours_rate = args.n / best_time(lambda o=ours, x=lon, y=lat: o(x, y), args.repeats)
        pairs = list(zip(small[crs][1].tolist(), small[crs][0].tolist(), strict=True))

        def run_prcoords(f=theirs, points=pairs):
            for point in points:
                f(point)

        prc_rate = len(pairs) / best_time(run_prcoords, args.repeats)
        print(f"{label:<16}{'geo.coords':<26}{ours_rate:>14,.0f}{ours_rate / prc_rate:>19.1f}x")
        print(f"{'':<16}{'prcoords.' + name:<26}{prc_rate:>14,.0f}{1.0:>19.1f}x")

    back = to_wgs84(*inputs["bd09"], "bd09")
    worst = max(np.abs(back[0] - wgs[0]).max(), np.abs(back[1] - wgs[1]).max())
    print(f"\nbd09 round trip, largest error: {worst:.1e} degrees (~{worst * 111_000:.1e} m)")


if __name__ == "__main__":
    main()
