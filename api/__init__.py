"""gridmgr's HTTP API and the ``gridmgr`` command line."""
