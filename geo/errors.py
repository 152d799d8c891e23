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

    def __init__(self, message: str, *, index=None, value=None, axis: str | None = None):
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


class SchemaTooNewError(StoreError):
    """The database was written by a newer gridmgr; this one refuses to touch it."""


class NotFoundError(StoreError, LookupError):
    """A generation, grid or other record that was asked for does not exist."""
