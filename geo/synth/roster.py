"""An illustrative roster: one grid worker per grid and three staff per community.

Names are drawn from common Chinese surnames and given-name characters; phone numbers use the
1990000xxxx block and are not real. Deterministic by seed. Skills are category classes (the
codes of the case catalogue's major classes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from geo.store.records import Worker

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力斌波宇浩凯鹏飞云琳雪"
    "梅丹晶燕宁佳欣怡婷倩颖琴慧瑶璐洁婉蓉晓春海林峰亮成松"
)
PATROL_SKILLS = ("city_appearance", "street_order", "facilities", "dispute", "residents_services")
# Community staff posts (title, category classes they take); one of each per community.
STAFF = (
    (
        "网格长",
        (
            "city_appearance",
            "street_order",
            "facilities",
            "dispute",
            "residents_services",
            "public_security",
            "assistance",
            "construction",
            "advertising",
            "emergency",
            "other",
        ),
    ),
    ("调解员", ("dispute", "public_security")),
    ("民生专干", ("residents_services", "assistance")),
)


def _name(rng: np.random.Generator) -> str:
    surname = SURNAMES[rng.integers(len(SURNAMES))]
    length = 1 if rng.random() < 0.3 else 2
    return surname + "".join(GIVEN[rng.integers(len(GIVEN))] for _ in range(length))


def synth_roster(
    grids: Sequence[tuple[str, str]], communities: Sequence[str], *, seed: int = 520103
) -> list[Worker]:
    """Workers for ``grids`` (``(grid_code, community_code)`` pairs) and ``communities``.

    Grid workers get id ``W`` + grid code and that grid as their home; community staff get
    ``S`` + community code + a two-digit number.
    """
    rng = np.random.default_rng(seed)
    out: list[Worker] = []
    serial = 0
    for grid_code, community_code in sorted(grids):
        serial += 1
        out.append(
            Worker(
                id=f"W{grid_code}",
                name=_name(rng),
                role="grid_worker",
                community_code=community_code,
                home_grid_code=grid_code,
                phone=f"1990000{serial:04d}",
                skills=PATROL_SKILLS,
            )
        )
    for community_code in sorted(communities):
        for k, (_title, skills) in enumerate(STAFF, start=1):
            serial += 1
            out.append(
                Worker(
                    id=f"S{community_code}{k:02d}",
                    name=_name(rng),
                    role="community_staff",
                    community_code=community_code,
                    phone=f"1990000{serial:04d}",
                    skills=skills,
                    open_case_cap=30,
                )
            )
    return out
