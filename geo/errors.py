"""Domain errors raised by ``geo``.

Every error the core raises on bad input derives from :class:`GridmgrError`, so callers
(the command line, the HTTP API) can turn it into a clear message without a traceback.
"""


class GridmgrError(Exception):
    """Base class of gridmgr's domain errors."""


class CoordinateError(GridmgrError, ValueError):
    """A coordinate is NaN, infinite or out of range, or a CRS name is unknown.

    ``index`` is the position of the offending value in the input (``None`` for scalars),
    ``value`` the value itself and ``axis`` ``"lon"`` or ``"lat"``.
    """

    def __init__(
        self,
        message: str,
        *,
        index: int | tuple[int, ...] | None = None,
        value: float | None = None,
        axis: str | None = None,
    ) -> None:
        super().__init__(message)
        self.index = index
        self.value = value
        self.axis = axis


class CodeError(GridmgrError, ValueError):
    """A community or grid code is malformed; the message says which rule it breaks."""


class BoundaryReadError(GridmgrError):
    """A boundary file or directory cannot be read as a boundary set."""


class StoreConfigError(GridmgrError, ValueError):
    """The database URL is not one gridmgr understands."""


class StoreError(GridmgrError):
    """The store cannot do what was asked (and has changed nothing)."""


class StoreUnavailableError(StoreError):
    """The database cannot be reached, or did not answer in time; trying again later may work.

    Raised instead of the driver's connection errors. ``retry_after`` is a hint in seconds.
    Whether a write that was under way committed is unknown when it is raised mid-commit;
    writes are never retried on the caller's behalf.
    """

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SchemaTooNewError(StoreError):
    """The database was written by a newer gridmgr; this one refuses to touch it."""


class DuplicateKeyError(StoreError):
    """A row with the same unique key was committed by someone else first."""


class NotFoundError(StoreError, LookupError):
    """A generation, grid or other record that was asked for does not exist."""


class InputError(GridmgrError, ValueError):
    """A request's content is wrong: ``field`` names the part, the message says why."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class PermissionDeniedError(GridmgrError):
    """The caller's role (or community, or assignment) does not allow this."""


class WorkflowError(GridmgrError):
    """The case's state does not allow this action; nothing was changed."""


class StaleVersionError(GridmgrError):
    """The case changed since the caller read it (its version moved on); nothing was changed."""


class IdempotencyConflictError(GridmgrError):
    """The idempotency key was used before with a different request."""


class CalendarError(GridmgrError, ValueError):
    """A working calendar, calendar file, time limit or datetime is invalid."""
