"""An illustrative residential density model of Yunyan District, and community anchors.

Neither is survey data. The density (residents per km²) peaks in the old city centre around
Zhonghua Road, has a secondary centre in the west (Sanqiao, Jinguan), falls off towards the
northern edge, and is nearly empty over Qianling Park. The anchors are rough WGS84 (lon, lat)
places that each community's generated polygon grows around, so names land in plausible
parts of the district. Only the relative shape matters: totals are scaled to the census.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_Floats = npt.NDArray[np.float64]

# (lon, lat) WGS84 centre, peak residents per km², e-folding distance in km.
_CENTRES = (
    ((106.713, 26.589), 36_000.0, 1.6),  # old city centre
    ((106.660, 26.592), 12_000.0, 1.4),  # Sanqiao / Jinguan
    ((106.722, 26.626), 9_000.0, 1.8),  # northern residential belt
)
_FLOOR = 700.0
_PARK = ((106.692, 26.600), 0.95, 0.9)  # Qianling Park: centre, depth, radius in km

_KM_PER_DEG_LAT = 110.95
_KM_PER_DEG_LON = float(111.32 * np.cos(np.radians(26.6)))


def _dist_km(lon: _Floats, lat: _Floats, centre: tuple[float, float]) -> _Floats:
    dx = (lon - centre[0]) * _KM_PER_DEG_LON
    dy = (lat - centre[1]) * _KM_PER_DEG_LAT
    return np.hypot(dx, dy)


def density(lon: npt.ArrayLike, lat: npt.ArrayLike) -> _Floats:
    """Illustrative residents per km² at WGS84 (lon, lat) in degrees (arrays broadcast)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    d = np.full(np.broadcast(lon, lat).shape, _FLOOR)
    for centre, peak, scale in _CENTRES:
        d = d + peak * np.exp(-_dist_km(lon, lat, centre) / scale)
    (pc, depth, radius) = _PARK
    d = d * (1.0 - depth * np.exp(-((_dist_km(lon, lat, pc) / radius) ** 2)))
    return d


# Rough WGS84 (lon, lat) anchors by official community code; illustrative only.
ANCHORS: dict[str, tuple[float, float]] = {
    "520103400": (106.713, 26.589),  # 中华
    "520103401": (106.719, 26.585),  # 中环
    "520103402": (106.726, 26.589),  # 中东
    "520103403": (106.736, 26.586),  # 东山
    "520103404": (106.706, 26.585),  # 延中
    "520103405": (106.699, 26.590),  # 市西
    "520103406": (106.690, 26.585),  # 威清
    "520103407": (106.708, 26.595),  # 普陀
    "520103408": (106.716, 26.598),  # 北京路
    "520103409": (106.729, 26.596),  # 栖霞
    "520103410": (106.743, 26.595),  # 黔东
    "520103411": (106.758, 26.606),  # 宅吉
    "520103412": (106.720, 26.592),  # 省府
    "520103413": (106.702, 26.603),  # 金狮
    "520103414": (106.686, 26.607),  # 中天
    "520103415": (106.721, 26.609),  # 贵乌
    "520103416": (106.667, 26.588),  # 头桥
    "520103417": (106.736, 26.615),  # 金龙
    "520103418": (106.772, 26.611),  # 圣泉
    "520103419": (106.628, 26.590),  # 三桥
    "520103420": (106.670, 26.600),  # 金关
    "520103421": (106.636, 26.568),  # 蔡关
    "520103422": (106.706, 26.622),  # 荷塘
    "520103423": (106.723, 26.633),  # 普天
    "520103424": (106.708, 26.648),  # 金鸭
    "520103425": (106.712, 26.668),  # 金惠
}
