"""``python -m api.cli`` runs the ``gridmgr`` command."""

from api.cli import main

main()
