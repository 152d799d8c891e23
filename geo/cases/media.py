"""A link to a photo of a reported problem (Open311's ``media_url``): checked, never fetched.

The link is kept as given with the case and shown to signed-in readers; anonymous readers
never see it (it may show a person or a home).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from geo.errors import InputError

MAX_MEDIA_URL = 2000  # characters; what browsers and servers reliably carry in a URL
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def check_media_url(value: str | None) -> None:
    """Raise InputError (field ``media_url``) unless ``value`` is None or an absolute
    ``http``/``https`` URL with a host, without spaces or control characters, of at most
    :data:`MAX_MEDIA_URL` characters."""
    if value is None:
        return
    if len(value) > MAX_MEDIA_URL:
        raise InputError(
            f"media_url has {len(value)} characters; at most {MAX_MEDIA_URL}", field="media_url"
        )
    shown = value if len(value) <= 80 else value[:77] + "..."
    if _SPACE_OR_CONTROL.search(value):
        raise InputError(
            f"media_url {shown!r} holds a space or control character; encode it (%20)",
            field="media_url",
        )
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:
        raise InputError(f"media_url {shown!r} is not a URL: {exc}", field="media_url") from exc
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InputError(
            f"media_url {shown!r} is not an http or https URL such as "
            "https://example.org/photo.jpg",
            field="media_url",
        )
