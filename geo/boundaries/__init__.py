"""Boundary sets: reading them (``read``), checking them (``checks``), reporting (``report``)."""
