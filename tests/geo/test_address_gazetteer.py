import pytest

from geo.address import normalise
from geo.gazetteer import Entry, Gazetteer, StoredGazetteer

PREFIXES = ("贵州省", "贵阳市", "云岩区")  # the bundled district's


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("贵阳市云岩区 松山路５９號", "松山路59号"),
        ("松山路59号", "松山路59号"),
        ("贵州省贵阳市云岩区宅吉社区宅吉路12号", "宅吉路12号"),
        ("柳湾小区3幢2单元", "柳湾小区3栋2单元"),
        ("柳湾小区３座", "柳湾小区3栋"),
        ("中华社区服务中心", "中华社区服务中心"),  # a name, not a prefix: kept
        ("  北京路（东段）１８号 ", "北京路东段18号"),
        ("", ""),
    ],
)
def test_normalise(raw, norm):
    assert normalise(raw, PREFIXES) == norm


def test_only_the_given_prefixes_are_stripped():
    assert normalise("贵阳市云岩区松山路59号") == "贵阳市云岩区松山路59号"
    other = ("四川省", "成都市", "武侯区")
    assert normalise("四川省成都市武侯区 人民南路４段１号", other) == "人民南路4段1号"
    assert normalise("贵阳市松山路59号", other) == "贵阳市松山路59号"
    assert normalise("云岩区", PREFIXES) == "云岩区"  # a prefix alone is kept


@pytest.fixture
def gaz():
    return Gazetteer(
        [
            Entry("松山路59号", 106.71, 26.59),
            Entry("柳湾小区3栋", 106.72, 26.6),
            Entry("中华北路1号", 106.713, 26.588),
            Entry("松山路57号", 106.709, 26.59),
        ],
        prefixes=PREFIXES,
    )


def test_exact_after_normalisation(gaz):
    (m,) = gaz.lookup("贵阳市云岩区松山路５９號")
    assert (m.address, m.score) == ("松山路59号", 100.0)
    assert gaz.place("柳湾小区3幢").lon == 106.72


def test_fuzzy_candidates_and_threshold(gaz):
    found = gaz.lookup("松山路59")
    assert found[0].address == "松山路59号" and 85 < found[0].score < 100
    assert found[1].address == "松山路57号"
    assert gaz.place("松山路59", threshold=80).address == "松山路59号"
    assert gaz.place("完全不同的地方") is None
    assert gaz.lookup("") == []


def test_stored_gazetteer_is_read_again_after_its_time_to_live():
    clock = [0.0]
    reads = []

    def read():
        reads.append(clock[0])
        return [Entry(f"松山路{len(reads)}号", 106.71, 26.59)]

    stored = StoredGazetteer(read, prefixes=PREFIXES, ttl_s=60.0, clock=lambda: clock[0])
    assert stored().place("贵阳市松山路1号").address == "松山路1号"
    clock[0] = 60.0
    assert stored() is stored() and len(reads) == 1
    clock[0] = 60.5
    assert stored().place("松山路2号") is not None and len(reads) == 2
    clock[0] = 61.0
    assert stored(fresh=True).place("松山路3号") is not None and len(reads) == 3
