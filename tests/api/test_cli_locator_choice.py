"""Which locator a locate command uses: the running server's warm one when the command runs in
the server (the admin door lends its state), else one of the command's own."""

from types import SimpleNamespace
from typing import Any

from api.cli.common import lending, settings
from api.cli.locate import _locator
from geo.locate.locator import Locator


def test_a_command_run_in_the_server_uses_the_servers_locator(monkeypatch) -> None:
    monkeypatch.setenv("GRIDMGR_DATABASE_URL", "postgresql://localhost/elsewhere")
    store: Any = object()
    warm = Locator(store)
    state: Any = SimpleNamespace(store=store, locator=warm, settings=settings())
    with lending(state):
        assert _locator(store) is warm
        other: Any = object()  # another store than the server's: never its locator
        assert _locator(other) is not warm
    assert _locator(store) is not warm  # outside the server: a locator of its own
