"""The maps' index page: the communities with headline figures and links to every map.

Plain HTML with its own small stylesheet: no script, nothing loaded from anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from maps.inputs import as_dict
from maps.style import kind_labels, number, text

COLUMNS = (
    ("grids", "网格数 Grids", False),
    ("population", "常住人口 Residents", False),
    ("received", "收案 Received", False),
    ("open", "在办 Open", False),
    ("overdue", "超期 Overdue", False),
    ("on_time_rate", "按期结案率 On-time rate", True),
    ("open_per_worker", "人均在办 Open per worker", False),
)
_CSS = """body { font: 14px/1.5 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 24px;
  color: #222; }
table { border-collapse: collapse; margin-top: 12px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; }
th { background: #f3f3f3; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
nav a { margin-right: 14px; }"""


def _row(item: Any) -> dict:
    if isinstance(item, Mapping) and item.get("type") == "Feature":
        return {**(item.get("properties") or {}), **({"code": item["id"]} if "id" in item else {})}
    return as_dict(item)


def index_page(
    communities_with_figures: Iterable[Any],
    *,
    kinds: Mapping | Iterable[str] | None = None,
    title: str = "网格化管理地图 Grid maps",
) -> str:
    """The index as an HTML document (UTF-8 text), headed ``title`` (e.g. naming the district).

    ``communities_with_figures``: one item per community, a dict (or a GeoJSON Feature
    whose properties are used) with ``code`` and ``name`` and any of ``grids``,
    ``population``, ``received``, ``open``, ``overdue``, ``on_time_rate`` (0..1),
    ``open_per_worker``; missing figures show as "—". Each community links to
    ``maps/communities/{code}`` (relative). The page also links to ``/maps/workload``,
    ``/maps/coverage?kind=K`` for each facility kind (``kinds``: codes, or a catalogue
    code -> FacilityKind; default: data/facilities/kinds.csv), ``/console`` (the case
    console), ``/docs`` and ``/ogc``.
    """
    rows = sorted((_row(c) for c in communities_with_figures), key=lambda r: str(r.get("code")))
    labels = kind_labels()
    kind_codes = list(labels) if kinds is None else [str(k) for k in kinds]
    head = "".join(f"<th>{label}</th>" for _, label, _ in COLUMNS)
    body = []
    for r in rows:
        code = text(r.get("code"))
        cells = "".join(
            f'<td class="n">{number(r.get(key), percent=pct)}</td>' for key, _, pct in COLUMNS
        )
        body.append(
            f'<tr><td><a href="maps/communities/{code}">{text(r.get("name"))}</a></td>'
            f"<td>{code}</td>{cells}</tr>"
        )
    coverage = "".join(
        f'<li><a href="/maps/coverage?kind={text(k)}">{text(labels.get(k, k))}</a></li>'
        for k in kind_codes
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{text(title)}</title>
<style>
{_CSS}
</style>
</head>
<body>
<h1>{text(title)}</h1>
<nav>
<a href="/maps/workload">全区工作量地图 District workload map</a>
<a href="/console">案件控制台 Case console</a>
<a href="/docs">接口文档 API docs</a>
<a href="/ogc">OGC API</a>
</nav>
<h2>服务覆盖地图 Service coverage maps</h2>
<ul>
{coverage}
</ul>
<h2>社区 Communities ({len(rows)})</h2>
<table>
<thead><tr><th>社区 Community</th><th>编码 Code</th>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</body>
</html>
"""
