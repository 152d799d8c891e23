"""What an imported row may carry, and the headers and values other systems use for it.

Field names are gridmgr's; the aliases are the column headers and values that Chinese
hotline (12345/12319) and digital urban-management systems commonly export. Header matching
ignores case, spaces and full-width/half-width differences.
"""

from __future__ import annotations

FIELDS = (
    "external_id",
    "category",
    "description",
    "address",
    "lon",
    "lat",
    "crs",
    "status",
    "reported_at",
    "registered_at",
    "due_at",
    "closed_at",
    "source",
    "reporter_name",
    "reporter_phone",
    "assignee_id",
)
REQUIRED = ("external_id", "category", "reported_at")

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("事件编号", "案件编号", "工单编号", "工单号", "编号", "id"),
    "category": ("事件类型", "问题类型", "案件类型", "事件小类", "小类", "类别", "类型"),
    "description": ("问题描述", "事件描述", "描述", "内容", "诉求内容"),
    "address": ("地址", "事发地址", "发生地址", "事件地址", "详细地址"),
    "lon": ("经度", "lng", "longitude"),
    "lat": ("纬度", "latitude"),
    "crs": ("坐标系",),
    "status": ("状态", "案件状态", "事件状态", "办理状态"),
    "reported_at": ("上报时间", "发生时间", "来电时间", "创建时间"),
    "registered_at": ("立案时间", "受理时间"),
    "due_at": ("截止时间", "处置时限", "办理时限", "应结时间"),
    "closed_at": ("结案时间", "办结时间", "关闭时间"),
    "source": ("来源", "事件来源", "案件来源"),
    "reporter_name": ("上报人", "联系人", "来电人", "反映人"),
    "reporter_phone": ("联系电话", "电话", "手机", "来电号码"),
    "assignee_id": ("处置人编号", "网格员编号", "处置人"),
}

STATUS_ALIASES: dict[str, str] = {
    "待受理": "reported",
    "已上报": "reported",
    "上报": "reported",
    "待立案": "reported",
    "已立案": "registered",
    "立案": "registered",
    "待派遣": "registered",
    "不予立案": "rejected",
    "作废": "rejected",
    "已作废": "rejected",
    "已派遣": "dispatched",
    "派遣": "dispatched",
    "处置中": "dispatched",
    "办理中": "dispatched",
    "已处置": "handled",
    "待核查": "handled",
    "处置完毕": "handled",
    "已结案": "closed",
    "结案": "closed",
    "已办结": "closed",
    "办结": "closed",
    "已关闭": "closed",
    "已挂账": "suspended",
    "挂账": "suspended",
}

SOURCE_ALIASES: dict[str, str] = {
    "热线": "hotline",
    "12345": "hotline",
    "12319": "hotline",
    "电话": "hotline",
    "巡查": "patrol",
    "网格员巡查": "patrol",
    "监督员上报": "patrol",
    "app": "app",
    "市民app": "app",
    "小程序": "app",
    "网站": "web",
    "视频": "video",
    "视频监控": "video",
    "转办": "referral",
}

CRS_ALIASES: dict[str, str] = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "gps": "wgs84",
    "epsg:4326": "wgs84",
    "cgcs2000": "cgcs2000",
    "epsg:4490": "cgcs2000",
    "2000": "cgcs2000",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "火星坐标": "gcj02",
    "高德": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "百度": "bd09",
}


def header_key(text: str) -> str:
    """A header as compared: NFKC (full-width → half-width), no spaces, lower case."""
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()
