"""The roster of grid workers and community staff, on every backend."""

from geo.store.records import Worker


def test_add_workers_is_idempotent_and_filters(store):
    ws = [
        Worker(
            "W1",
            "张三",
            "grid_worker",
            "520103400",
            "520103400001001",
            "17000000001",
            ("市容环境",),
            True,
            15,
        ),
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


def test_add_workers_counts_only_new_ids_and_keeps_the_first_of_an_id(store):
    assert store.add_workers([]) == 0
    first = Worker("W1", "张三", "grid_worker", "520103400", "520103400001001")
    again = Worker("W1", "李四", "community_staff", "520103400")
    assert store.add_workers([first, again, Worker("W2", "王五", "grid_worker", "520103401")]) == 2
    assert store.add_workers([again, Worker("W3", "赵六", "grid_worker", "520103401")]) == 1
    assert [w.id for w in store.workers()] == ["W1", "W2", "W3"]
    assert store.workers()[0] == first


def test_tokens_are_kept_hashed_and_can_be_revoked(store):
    from datetime import UTC, datetime

    from api.auth.tokens import hash_token, new_token
    from geo.store.records import TokenRecord

    token, token_id, digest = new_token()
    assert digest == hash_token(token) and token_id in token and digest not in token
    rec = TokenRecord(
        token_id,
        "worker",
        "张三",
        "520103400",
        "W520103400001001",
        datetime(2026, 11, 1, tzinfo=UTC),
    )
    store.add_token(rec, digest)
    assert store.token_by_hash(hash_token(token)) == rec
    assert store.token_by_hash(hash_token(token + "x")) is None
    assert [t.id for t in store.tokens()] == [token_id]
    assert store.revoke_token(token_id) is True
    assert store.revoke_token(token_id) is False
    assert not store.token_by_hash(digest).active
    with store.transaction() as cur:  # nothing stores the token itself
        cur.execute("SELECT token_hash FROM tokens")
        assert [r[0] for r in cur.fetchall()] == [digest]
