"""The catalogue's ``public`` column: optional (missing means not public), checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.cases.categories import read_catalogue
from geo.errors import InputError

HEADER = "class_code,class_zh,class_en,code,name_zh,name_en,time_limit,duplicate_radius_m"
ROW = "city_appearance,市容环境,City appearance,{code},名,Name,4h,50"


def _write(tmp_path: Path, header: str, *rows: str) -> Path:
    path = tmp_path / "cats.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_catalogue_without_the_column_is_not_public(tmp_path: Path) -> None:
    cats = read_catalogue(_write(tmp_path, HEADER, ROW.format(code="a"), ROW.format(code="b")))
    assert [c.public for c in cats] == [False, False]


def test_the_column_takes_true_and_false_words(tmp_path: Path) -> None:
    rows = [
        ROW.format(code=f"c{i}") + f",{flag}"
        for i, flag in enumerate(["true", "TRUE", "yes", "1", "false", "no", "0", ""])
    ]
    cats = read_catalogue(_write(tmp_path, HEADER + ",public", *rows))
    assert [c.public for c in cats] == [True] * 4 + [False] * 4


def test_a_bad_flag_is_reported_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + ",public", ROW.format(code="a") + ",maybe")
    with pytest.raises(InputError, match=r"line 2: public 'maybe' is not true or false"):
        read_catalogue(path)


def test_the_bundled_catalogue_flags_every_row() -> None:
    text = (Path(__file__).parents[3] / "data/categories/categories.csv").read_text("utf-8")
    lines = text.splitlines()
    assert lines[0].endswith(",public")
    assert all(line.rsplit(",", 1)[1] in ("true", "false") for line in lines[1:])
