"""Console sessions in the store: kept hashed, live until signed out, expired or revoked."""

from datetime import UTC, datetime, timedelta

from api.auth.sessions import hash_session, new_session
from api.auth.tokens import new_token
from geo.store.records import TokenRecord

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _token(store, role="dispatcher", community=None, worker=None) -> TokenRecord:
    _, token_id, digest = new_token()
    rec = TokenRecord(token_id, role, "王五", community, worker, T0)
    store.add_token(rec, digest)
    return rec


def _open(store, token: TokenRecord, hours: float = 12) -> tuple[str, str]:
    session_id, digest, csrf = new_session()
    store.add_session(
        digest, token_id=token.id, csrf=csrf, created_at=T0, expires_at=T0 + timedelta(hours=hours)
    )
    return session_id, csrf


def test_a_session_reads_back_as_its_token_and_ends_on_sign_out(store):
    token = _token(store, "worker", "520103400", "W520103400001001")
    session_id, csrf = _open(store, token)
    got = store.session_by_hash(hash_session(session_id), now=T0 + timedelta(hours=1))
    assert got is not None
    assert got.token == token and got.csrf == csrf
    assert got.created_at == T0 and got.expires_at == T0 + timedelta(hours=12)
    assert store.session_by_hash(hash_session(session_id + "x"), now=T0) is None
    with store.transaction() as cur:  # the id itself is never stored
        cur.execute("SELECT session_hash FROM console_sessions")
        assert [r[0] for r in cur.fetchall()] == [hash_session(session_id)]
    assert store.delete_session(hash_session(session_id)) is True
    assert store.delete_session(hash_session(session_id)) is False
    assert store.session_by_hash(hash_session(session_id), now=T0) is None


def test_expired_sessions_and_those_of_revoked_tokens_are_over(store):
    kept, revoked = _token(store), _token(store)
    short, _ = _open(store, kept, hours=1)
    long_, _ = _open(store, kept, hours=12)
    gone, _ = _open(store, revoked, hours=12)
    later = T0 + timedelta(hours=2)
    assert store.session_by_hash(hash_session(short), now=later) is None
    assert store.session_by_hash(hash_session(long_), now=later) is not None
    assert store.session_by_hash(hash_session(gone), now=later) is not None
    assert store.revoke_token(revoked.id, at=later) is True
    assert store.session_by_hash(hash_session(gone), now=later) is None  # at once
    assert store.delete_ended_sessions(now=later) == 2
    assert store.delete_ended_sessions(now=later) == 0
    assert store.session_by_hash(hash_session(long_), now=later).token == kept
