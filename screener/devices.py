"""The device class of a browser, from its User-Agent: "phone", "tablet" or "desktop".

Only that word is stored (Draft.device), never the User-Agent itself: the dashboard counts
pre-screens started on each kind of device. iPads since iPadOS 13 say they are a Mac and count
as desktops.
"""

from __future__ import annotations

import re

DEVICE_CLASSES = ("phone", "tablet", "desktop")

_TABLET = re.compile(r"ipad|tablet|kindle|silk/|playbook|nexus (7|9|10)|sm-t\d", re.I)
_PHONE = re.compile(r"mobi|iphone|ipod|android|windows phone|blackberry|opera mini", re.I)


def device_class(user_agent: str | None) -> str:
    agent = user_agent or ""
    if _TABLET.search(agent):
        return "tablet"
    if _PHONE.search(agent):
        # Android tablets leave "Mobile" out of their User-Agent.
        if "android" in agent.lower() and "mobile" not in agent.lower():
            return "tablet"
        return "phone"
    return "desktop"
