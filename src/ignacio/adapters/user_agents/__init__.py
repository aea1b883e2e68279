"""Device names from User-Agent headers, by ua-parser (the uap-core rules, updated monthly as
`ua-parser-builtins`): "Firefox on Windows", "Safari on iPhone", "curl"."""

from __future__ import annotations

import re

import ua_parser

__all__ = ["UaParserDeviceNames"]

# Longest part of a name shown: the rules capture pieces of the header itself, which anyone
# can fill with anything.
_PART = 40

# The rules' names for mobile variants of a browser, as people call the browser.
_BROWSERS = {
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Android WebView",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera",
    "HeadlessChrome": "Headless Chrome",
}
_SYSTEMS = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
# On iOS the device says more than the system: an iPhone, not "iOS".
_APPLE_DEVICES = {"iPhone", "iPad", "iPod"}
# What a client that no rule knows calls itself: the first product token (`python-httpx/0.28`).
_PRODUCT = re.compile(r"([A-Za-z][A-Za-z0-9._+-]*)/")


class UaParserDeviceNames:
    """The `DeviceNames` port over ua-parser's default parser (cached; its rules compile on
    the first use, about a tenth of a second, once per process)."""

    def name(self, user_agent: str) -> str | None:
        result = ua_parser.parse(user_agent)
        browser = _known(result.user_agent.family if result.user_agent else None)
        browser = _BROWSERS.get(browser, browser) if browser else None
        place = _place(result)
        if browser and place:
            return f"{browser} on {place}"
        return browser or place or _product(user_agent)


def _place(result: ua_parser.Result) -> str | None:
    system = _known(result.os.family if result.os else None)
    device = _known(result.device.family if result.device else None)
    if device in _APPLE_DEVICES:
        return device
    if system:
        return _SYSTEMS.get(system, system)
    return None


def _known(family: str | None) -> str | None:
    """A family name fit to show, or None for the rules' "Other" (and for nothing printable)."""
    if not family or family == "Other":
        return None
    shown = " ".join("".join(c if c.isprintable() else " " for c in family).split())
    return shown[:_PART].rstrip() or None


def _product(user_agent: str) -> str | None:
    match = _PRODUCT.match(user_agent.strip())
    return match.group(1)[:_PART] if match else None
