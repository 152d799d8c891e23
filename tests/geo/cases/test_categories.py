import pytest

from geo.cases.categories import read_catalogue
from geo.errors import InputError

HEADER = "class_code,class_zh,class_en,code,name_zh,name_en,time_limit,duplicate_radius_m\n"


def test_bundled_catalogue_covers_the_standard_and_governance_classes():
    cats = read_catalogue()
    classes = {c.class_code for c in cats}
    assert {
        "city_appearance",
        "advertising",
        "construction",
        "emergency",
        "street_order",
        "other",
        "dispute",
        "public_security",
        "residents_services",
        "assistance",
        "facilities",
    } <= classes
    by_code = {c.code: c for c in cats}
    assert str(by_code["exposed_refuse"].time_limit) == "4h"
    assert str(by_code["illegal_construction_demolish"].time_limit) == "20d"
    assert all(c.name_zh and c.name_en for c in cats)


def test_every_problem_is_reported_with_its_line(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text(
        HEADER + "a,甲,A,x1,一,One,4h,10\n"
        "a,甲,A,x1,二,Two,1d,10\n"
        "a,乙,A,x2,三,Three,4 hours,10\n"
        "b,丙,B,x3,四,Four,2d,-5\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_catalogue(f)
    msg = str(err.value)
    assert "line 3: code 'x1' repeats line 2" in msg
    assert "line 4: class 'a' is named differently" in msg
    assert "line 4: time_limit" in msg and "line 5: duplicate_radius_m" in msg


def test_missing_columns_are_named(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("code,name_zh\nx,一\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column.*class_code"):
        read_catalogue(f)
