"""gridmgr's bundled data, installed as the package ``gridmgr_data`` (see pyproject.toml).

Not code: boundaries/ (the Yunyan boundary set and its sources), categories/, facilities/ and
assets/ (vendored map scripts and stylesheets), read at run time through ``geo.bundled``.
"""
