"""Chinese street addresses, normalised so that the same place is spelled one way.

``normalise`` folds full-width characters to half-width (NFKC; Chinese numerals are left as
they are), writes 號 as 号 and the building words 幢/座 as 栋, drops spaces and punctuation,
and strips leading ``prefixes`` (the province, city and district names of the deployment,
e.g. 贵州省, 贵阳市, 云岩区) and a ...社区 prefix when a street address follows, so with
those prefixes "贵阳市云岩区 松山路５９號" and "松山路59号" match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_COMMUNITY = re.compile(r"^[\u4e00-\u9fff]{1,6}社区(?=[\u4e00-\u9fff\d])")
_REPLACE = (
    ("號", "号"),
    ("幢", "栋"),
    ("座", "栋"),
    ("单元", "单元"),
    ("之", "-"),
    ("－", "-"),
    ("—", "-"),
    ("~", "-"),
)
_PLACE = re.compile(r"(路|街|巷|道|村|小区|花园|苑|号)")  # what remains must still be a place
_DROP = re.compile(r"[\s,，.。、;；:：'\"“”‘’()（）\[\]【】<>《》#/\\]+")


def normalise(address: str, prefixes: Sequence[str] = ()) -> str:
    """The comparable form of ``address`` (may be empty), with leading ``prefixes`` (names
    of the administrative areas every address lies in, in any order) stripped."""
    text = unicodedata.normalize("NFKC", address or "").strip()
    for old, new in _REPLACE:
        text = text.replace(old, new)
    text = _DROP.sub("", text)
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if prefix and text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix) :]
                changed = True
        stripped = _COMMUNITY.sub("", text)
        if stripped != text and _PLACE.search(stripped):
            text, changed = stripped, True
    return text.lower()
