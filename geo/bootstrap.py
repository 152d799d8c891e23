"""Set up or upgrade a database: schema, boundaries, roster and case catalogue.

:func:`initialise` brings a store to a usable state and keeps whatever is already there, so
running it again changes nothing. It never prints: it returns an :class:`Initialised` saying
what it did, which ``gridmgr init`` reports and tests may check.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo import bundled
from geo.boundaries.checks import ValidationReport, validate_boundary_set
from geo.boundaries.read import BoundarySet, read_boundary_set
from geo.boundaries.report import format_report
from geo.cases.categories import read_catalogue
from geo.errors import GridmgrError
from geo.store import Store
from geo.synth.roster import synth_roster

BUNDLED_LABEL = "云岩区 bundled (illustrative)"


class InvalidBoundarySetError(GridmgrError):
    """The boundary set handed to :func:`initialise` has problems; nothing was stored."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(f"the boundary set has problems:\n{format_report(report)}")
        self.report = report


class NoActiveGenerationError(GridmgrError):
    """Boundary generations are stored but none is active, so no roster can be made."""


@dataclass(frozen=True)
class Initialised:
    """What :func:`initialise` did.

    ``staged`` is the generation it stored and activated, or None when generations were
    already stored (``generations_before`` of them) and left as they were; ``active`` is the
    generation in force afterwards. ``categories_loaded`` is the number of subclasses loaded,
    0 when a catalogue was already present.
    """

    schema_version: int
    generations_before: int
    staged: int | None
    active: int
    workers_added: int
    workers_total: int
    categories_loaded: int


def initialise(
    store: Store,
    boundaries: BoundarySet | None = None,
    *,
    label: str | None = None,
) -> Initialised:
    """Bring ``store`` to a usable state, keeping whatever is already there.

    1. Migrate the schema to the version this gridmgr knows.
    2. If no boundary generation is stored: stage ``boundaries`` (default: the bundled Yunyan
       set) as a new generation labelled ``label`` and activate it. A given set is validated
       first and, if it has problems, nothing is stored (:class:`InvalidBoundarySetError`);
       the bundled set is not, as it ships validated (tests/geo/boundaries/test_bundled.py).
    3. Add the synthetic roster of the active generation's grids and communities (workers
       whose id is already stored are kept as they are).
    4. Load the bundled category catalogue unless a catalogue is present.

    Raises :class:`NoActiveGenerationError` when generations are stored but none is active.
    """
    version = store.migrate()
    before = len(store.list_generations())
    staged = None
    if before == 0:
        if boundaries is None:
            bset = read_boundary_set(bundled.BOUNDARIES_DIR)
            name = BUNDLED_LABEL if label is None else label
        else:
            report = validate_boundary_set(boundaries)
            if not report.ok:
                raise InvalidBoundarySetError(report)
            bset, name = boundaries, label or ""
        staged = store.stage_generation(bset, label=name)
        store.activate_generation(staged)
    active = store.active_generation()
    if active is None:
        raise NoActiveGenerationError(
            "no boundary generation is active; run `gridmgr boundaries activate N`"
        )
    grids = [(g.code, g.community_code) for g in store.grids(active)]
    communities = [c.code for c in store.communities(active)]
    added = store.add_workers(synth_roster(grids, communities))
    total = len(store.workers())
    loaded = 0
    with store.case_tx() as tx:
        if not tx.categories():
            catalogue = read_catalogue()
            tx.replace_categories(catalogue)
            loaded = len(catalogue)
    return Initialised(
        schema_version=version,
        generations_before=before,
        staged=staged,
        active=active,
        workers_added=added,
        workers_total=total,
        categories_loaded=loaded,
    )
