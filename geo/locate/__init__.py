"""Point -> grid: the cell-table index (``index``, pure) and the per-generation ``locator``."""
