"""Bulk import of cases from other systems (hotline, patrol): files in, cases out, row by row
accounted for (imported, updated, unchanged or rejected with a reason)."""

from geo.importing.mapping import Mapping, load_mapping
from geo.importing.run import ImportSummary, import_cases

__all__ = ["ImportSummary", "Mapping", "import_cases", "load_mapping"]
