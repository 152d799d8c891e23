"""Open311 GeoReport v2 documents as JSON or XML: services, requests, discovery, errors.

The shapes follow http://wiki.open311.org/GeoReport_v2. A JSON answer is a list (or the
discovery object); the XML one has the spec's root and item elements (``services``/``service``,
``service_requests``/``request``, ``errors``/``error`` ...). Nothing here touches the store.
"""

from __future__ import annotations

import json
import re
from datetime import tzinfo
from typing import Any
from xml.etree import ElementTree as ET

from fastapi.responses import Response

from api.anonymous import rounded
from geo.cases.categories import Category
from geo.cases.model import Case, iso
from geo.cases.workflow import FINAL_STATES, STATE_ZH

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"json": "application/json", "xml": "text/xml"}
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# Plural element -> element of each member, for lists inside an item.
_MEMBERS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all (a description may hold any of them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# -- documents ----------------------------------------------------------------------------


def service_view(cat: Category) -> dict[str, Any]:
    """A service of services.json: one subclass of the category catalogue."""
    return {
        "service_code": cat.code,
        "service_name": cat.name_zh,
        "description": f"{cat.name_en} ({cat.class_en}); time limit {_limit_en(cat)} "
        "from registration",
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(k for k in (cat.name_en, cat.class_zh, cat.class_en) if k),
        "group": cat.class_zh,
    }


def service_definition(cat: Category) -> dict[str, Any]:
    """services/{code}.json: no subclass asks for extra attributes."""
    return {"service_code": cat.code, "attributes": []}


def notice(case: Case, cat: Category | None) -> str:
    """What happens next, in Chinese and English."""
    if case.status in FINAL_STATES:
        return "已办结，不再处理 / finished; no further action"
    if case.needs_location:
        where = "已受理，待调度员按地址定位 / received; a dispatcher will place the address"
    elif case.unassigned:
        where = (
            "已受理，位置不在任何网格内，由区级调度 / received; outside every grid, the "
            "district dispatches it"
        )
    else:
        where = "已受理 / received"
    if cat is None:
        return where
    return (
        f"{where}; 立案后处理时限 {_limit_zh(cat)} / time limit {_limit_en(cat)} from registration"
    )


def request_view(
    case: Case,
    cat: Category | None,
    agency: str | None,
    updated: Any,
    *,
    district: str,
    tz: tzinfo,
) -> dict[str, Any]:
    """A service request as GET answers it: never the reporter's name, phone or e-mail.

    ``agency``: the name of the case's community; None for a case outside every community,
    whose agency is then the ``district`` (its name). Times are W3C datetimes in zone ``tz``
    (the district's)."""
    return {
        "service_request_id": str(case.id),
        "status": "closed" if case.status in FINAL_STATES else "open",
        "status_notes": STATE_ZH.get(case.status, case.status),
        "service_name": cat.name_zh if cat else None,
        "service_code": case.category,
        "description": case.description,
        "agency_responsible": agency or district,
        "service_notice": notice(case, cat),
        "requested_datetime": iso(case.reported_at, tz),
        "updated_datetime": iso(updated, tz),
        "expected_datetime": iso(case.due_at, tz),
        "address": case.address,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": case.media_url,
    }


def public_request_view(view: dict[str, Any]) -> dict[str, Any]:
    """A request_view for anonymous readers: the same fields, the free text (description,
    address) and the photo link left out and the location rounded to about 100 m
    (api.anonymous.PLACES)."""
    return {
        **view,
        "description": None,
        "address": None,
        "media_url": None,
        "lat": rounded(view["lat"]),
        "long": rounded(view["long"]),
    }


def created_view(case: Case, cat: Category | None) -> dict[str, Any]:
    """The answer to POST requests.json."""
    return {
        "service_request_id": str(case.id),
        "service_notice": notice(case, cat),
        "account_id": None,
    }


def discovery(base_url: str, changeset: str, *, district: str, district_en: str) -> dict[str, Any]:
    """The discovery document; ``district`` and ``district_en`` name the district served
    (in Chinese and in English)."""
    return {
        "changeset": changeset,
        "contact": f"{district} 网格化管理 / {district_en} grid management",
        "key_service": "POST needs api_key: an open311 token issued by the district "
        "(gridmgr token create --role open311); reading requests needs one too unless the "
        "district opens public reading",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": changeset,
                "type": "production",
                "formats": list(FORMATS.values()),
            }
        ],
    }


def errors(status: int, description: str) -> list[dict[str, Any]]:
    return [{"code": status, "description": description}]


def _limit_zh(cat: Category) -> str:
    value = f"{cat.limit_value:g}"
    return f"{value} 个工作小时" if cat.limit_unit == "hours" else f"{value} 个工作日"


def _limit_en(cat: Category) -> str:
    value = f"{cat.limit_value:g}"
    unit = "working hour" if cat.limit_unit == "hours" else "working day"
    return f"{value} {unit}{'' if value == '1' else 's'}"


# -- rendering ----------------------------------------------------------------------------


def render(
    fmt: str,
    body: Any,
    *,
    root: str,
    item: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """``body`` as JSON, or as XML under ``root`` (a list: one ``item`` element per entry)."""
    if fmt == "xml":
        content = to_xml(body, root=root, item=item)
        return Response(content, status_code=status, media_type=XML_TYPE, headers=headers)
    content = json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return Response(content, status_code=status, media_type=JSON_TYPE, headers=headers)


def to_xml(body: Any, *, root: str, item: str | None = None) -> bytes:
    top = ET.Element(root)
    if isinstance(body, list):
        for entry in body:
            _fill(ET.SubElement(top, item or "item"), entry)
    else:
        _fill(top, body)
    # typeshed types tostring() with an encoding other than "unicode" as Any; it is bytes.
    text: bytes = ET.tostring(top, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + text


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list):
        member = _MEMBERS.get(element.tag, "item")
        for inner in value:
            _fill(ET.SubElement(element, member), inner)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("", str(value))
