"""The demo shop's fixed keys: seed, logins, teams, inboxes, tags, and the date anchor.

The demo's rows are found again by these keys, so they must not change between loads.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kefu.accounts.enums import Role
from kefu.inboxes.enums import ChannelType

SEED = 20261123
PASSWORD = "kefu-demo-2026"
SHOP_TZ = ZoneInfo("Asia/Shanghai")
BATCH = 500

PRESALE_TEAM = "售前组"
AFTERSALE_TEAM = "售后组"

# username, display name, role, team ("" none), lead, capacity, staff, superuser, sees contacts
USERS = [
    ("admin", "管理员", Role.ADMIN, "", False, 8, True, True, True),
    ("wang", "王主管", Role.SUPERVISOR, "both", True, 5, True, False, True),
    ("xiaomei", "小美", Role.AGENT, PRESALE_TEAM, False, 10, False, False, False),
    ("xiaoli", "小丽", Role.AGENT, PRESALE_TEAM, False, 8, False, False, False),
    ("ahua", "阿华", Role.AGENT, AFTERSALE_TEAM, False, 8, False, False, True),
    ("aqiang", "阿强", Role.AGENT, AFTERSALE_TEAM, False, 6, False, False, True),
]
USERNAMES = [row[0] for row in USERS]

# name, channel, public key, owning teams (the first gets new conversations), bot on, e-mail address.
# Each team has its own queue: a conversation moved to the other team is seen there by its team.
INBOXES = [
    ("官网在线客服", ChannelType.WEB, "demo-web", [PRESALE_TEAM], False, ""),
    ("客服邮箱", ChannelType.EMAIL, "demo-email", [AFTERSALE_TEAM], False, "service@demo-shop.example"),
    ("客服热线", ChannelType.PHONE, "demo-phone", [AFTERSALE_TEAM], False, ""),
    ("淘宝店铺接入", ChannelType.API, "demo-taobao", [PRESALE_TEAM], False, ""),
    ("商城智能客服", ChannelType.WEB, "demo-shop", [PRESALE_TEAM], True, ""),  # the answer bot 小客 serves first
]
# the chat options of every demo inbox: open 08:00-23:59 every day, holding message after 45 s
INBOX_SETTINGS = {
    "color": "#1677ff",
    "bot_name": "小客",
    "hours": {day: [["08:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    "holding_after_seconds": 45,
    "reply_target_seconds": 30,
}
MARKER_INBOX = "demo-web"
INBOX_KEYS = [row[2] for row in INBOXES]

TAGS = {
    "回头客": "#16a34a",
    "讲价型": "#d97706",
    "VIP": "#b45309",
    "高价值": "#dc2626",
    "投诉过": "#7c3aed",
    "拍下不买型": "#64748b",
    "企业采购": "#2563eb",
    "新客": "#0891b2",
}


def demo_anchor() -> dt.datetime:
    """Midnight today in Shanghai, so no demo date lies in the future; every date is an offset from it."""
    today = dt.datetime.now(SHOP_TZ).date()
    return dt.datetime.combine(today, dt.time(0, 0), tzinfo=SHOP_TZ)
