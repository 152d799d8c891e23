"""``gridmgr token create|list|revoke``."""

from click.testing import CliRunner

from api.auth.tokens import hash_token
from api.cli import main
from geo.store import open_store, parse_database_url


def test_token_lifecycle(initialised_duckdb):
    url = initialised_duckdb()
    env = {"GRIDMGR_DATABASE_URL": url}
    run = CliRunner().invoke
    made = run(
        main, ["token", "create", "--role", "worker", "--worker", "W520103400001001"], env=env
    )
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    token_id = made.output.split()[1].rstrip(":")
    store = open_store(parse_database_url(url))
    try:
        rec = store.token_by_hash(hash_token(secret))
        assert (rec.id, rec.role, rec.community_code) == (token_id, "worker", "520103400")
    finally:
        store.close()
    listed = run(main, ["token", "list"], env=env).output
    assert token_id in listed and secret not in listed and "active" in listed
    assert run(main, ["token", "revoke", token_id], env=env).exit_code == 0
    assert "revoked" in run(main, ["token", "list"], env=env).output
    again = run(main, ["token", "revoke", token_id], env=env)
    assert again.exit_code == 2
    bad = run(main, ["token", "create", "--role", "worker", "--worker", "W999"], env=env)
    assert bad.exit_code == 2 and "no worker" in bad.output
    nobody = run(main, ["token", "create", "--role", "worker"], env=env)
    assert nobody.exit_code == 2
    wrong = run(main, ["token", "create", "--role", "planner", "--community", "12"], env=env)
    assert wrong.exit_code == 2
