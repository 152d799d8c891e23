"""Boundary validation reports, as JSON-ready dicts or readable text."""

from __future__ import annotations

import copy
from dataclasses import asdict
from typing import Any

from geo.boundaries.checks import Summary, ValidationReport


def report_to_dict(report: ValidationReport) -> dict[str, bool | list[dict[str, Any]] | Summary]:
    """``{"ok", "problems": [{"layer", "code", "kind", "detail"}], "summary"}``, JSON-ready."""
    return {
        "ok": report.ok,
        "problems": [asdict(problem) for problem in report.problems],
        "summary": copy.deepcopy(report.summary),
    }


def _number(value: int | float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.3f}"


def format_report(report: ValidationReport) -> str:
    """A readable text report: one line per problem, then the summary."""
    summary = report.summary
    names = {c["code"]: c["name"] for c in summary.get("per_community", []) if c["name"]}
    lines = [f"Boundary set {summary.get('source', '?')} (read as {summary.get('source_crs')})"]
    if report.ok:
        lines.append("No problems found.")
    else:
        lines.append(f"{len(report.problems)} problem(s):")
    for p in report.problems:
        name = names.get(p.code if p.layer == "communities" else p.code[:9])
        where = f"{p.layer} {p.code}" + (f" ({name})" if name else "")
        lines.append(f"  {where}: {p.kind}: {p.detail}")
    lines.append("")
    lines.append("Summary")
    lines.append(
        f"  communities: {summary['communities']}, grids: {summary['grids']} "
        f"({summary['grids_without_known_community']} without a known community), "
        f"district features: {summary['district_features']}"
    )
    district_area = summary["district_area_km2"]
    lines.append(
        f"  area: {summary['area_km2']:.3f} km² of communities"
        + ("" if district_area is None else f", {district_area:.3f} km² of district")
    )
    population = summary["population"]
    lines.append(
        f"  population: {_number(population['communities'])} (communities), "
        f"{_number(population['grids'])} (grids)"
    )
    lines.append("  per community:")
    for c in summary["per_community"]:
        lines.append(
            f"    {c['code']:<12} {c['name'] or '':<8} {c['grids']:>5} grids "
            f"{c['area_km2']:>9.3f} km²  population {_number(c['population'])}"
        )
    counts = ", ".join(f"{k} {n}" for k, n in summary["problems_by_kind"].items() if n)
    lines.append(f"  problems by kind: {counts or 'none'}")
    for note in summary["skipped_checks"]:
        lines.append(f"  skipped: {note}")
    return "\n".join(lines)
