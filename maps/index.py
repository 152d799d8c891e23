"""The maps' index page: the communities with headline figures and links to every map.

Plain HTML with its own small stylesheet and one small inline script (the table sorts by
the column whose header is clicked); nothing is loaded from anywhere.
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
nav a { margin-right: 14px; }
th button { font: inherit; font-weight: bold; border: 0; background: none; padding: 0;
  cursor: pointer; color: inherit; text-align: left; }
th button::after { content: " \\2195"; color: #999; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; color: #222; }
th[aria-sort="descending"] button::after { content: " \\25BC"; color: #222; }"""
# Sorts the table by a column when its header is clicked (again: the other way). Cells carry
# their raw value in data-sort; numbers compare as numbers, with "no figure" last either way;
# text compares in Chinese order.
_SORT_JS = """(function () {
  "use strict";
  var table = document.getElementById("communities");
  if (!table) return;
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.querySelector("button").addEventListener("click", function () {
      var up = th.getAttribute("aria-sort") !== "ascending";
      var numeric = th.getAttribute("data-type") === "number";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-sort");
        var y = b.cells[col].getAttribute("data-sort");
        if (numeric && (x === "" || y === "")) return (x === "") - (y === "");
        var c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, "zh-CN");
        return up ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
})();"""


def _raw(value: Any) -> str:
    """A figure as a cell's sort key: the plain number, or "" when there is none."""
    if value is None or isinstance(value, bool):
        return ""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if x != x else repr(x)


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
    head = "".join(
        f'<th data-type="number"><button type="button">{label}</button></th>'
        for _, label, _ in COLUMNS
    )
    body = []
    for r in rows:
        code = text(r.get("code"))
        name = text(r.get("name"))
        cells = "".join(
            f'<td class="n" data-sort="{_raw(r.get(key))}">{number(r.get(key), percent=pct)}</td>'
            for key, _, pct in COLUMNS
        )
        body.append(
            f'<tr><td data-sort="{name}"><a href="maps/communities/{code}">{name}</a></td>'
            f'<td data-sort="{code}">{code}</td>{cells}</tr>'
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
<p class="hint">点击表头排序 Click a column's header to sort by it.</p>
<table id="communities">
<thead><tr><th data-type="text"><button type="button">社区 Community</button></th>\
<th data-type="text"><button type="button">编码 Code</button></th>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
<script>
{_SORT_JS}
</script>
</body>
</html>
"""
