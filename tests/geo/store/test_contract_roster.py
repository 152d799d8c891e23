"""The roster of grid workers and community staff, on every backend."""

from geo.store.base import Worker


def test_add_workers_is_idempotent_and_filters(store):
    ws = [
        Worker("W1", "张三", "grid_worker", "520103400", "520103400001001", "17000000001",
               ("市容环境",), True, 15),
        Worker("S1", "李四", "community_staff", "520103400", None, None, ("矛盾纠纷", "民生服务")),
        Worker("W2", "王五", "grid_worker", "520103401", "520103401001001"),
    ]
    assert store.add_workers(ws) == 3
    assert store.add_workers(ws) == 0
    got = store.workers()
    assert [w.id for w in got] == ["S1", "W1", "W2"]
    assert got[1] == ws[0]
    assert got[0].skills == ("矛盾纠纷", "民生服务")
    assert [w.id for w in store.workers(community_code="520103401")] == ["W2"]
    assert store.workers(community_code="520103499") == []
