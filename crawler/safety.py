"""Refuse private, loopback, link-local, multicast and reserved addresses (SSRF guard).

A public municipal page must not make the crawler fetch an internal address: not by a link, not by a
redirect, not by a host name that resolves to one. Two layers, because Twisted resolves only names:
``AddressSafetyMiddleware`` checks IP-literal hosts and well-known local names on every request
(redirects re-enter the downloader middlewares, so each hop is checked), and ``SafeResolver`` checks
every DNS answer at connect time. ``KOMMUNPROGRAM_ALLOW_PRIVATE_ADDRESSES`` (from
``CrawlSettings.allow_private_addresses``) lifts both for local test webs.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

SETTING = "KOMMUNPROGRAM_ALLOW_PRIVATE_ADDRESSES"
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class PrivateAddressRefused(IgnoreRequest):
    """The request's host is, or resolves to, an address the crawler must not contact."""


def is_forbidden_address(address: str) -> bool:
    """True for any address that is not a routable public unicast address."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified or not ip.is_global)


def literal_host_verdict(host: str) -> str | None:
    """For a URL host: a reason string if it is a forbidden literal address or a local name, else None.

    Names that are not literals return None here; their DNS answer is checked by ``SafeResolver``.
    Integer and octal spellings (``http://2130706433/``) are normalised by ``ipaddress`` only for the
    dotted forms, so anything made only of digits and dots that fails to parse is refused too.
    """
    host = host.strip("[]").lower().rstrip(".")
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return f"local host name {host}"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if host and all(re.fullmatch(r"0x[0-9a-f]*|\d+", label) for label in host.split(".")):
            return f"numeric host {host} in a non-standard notation"
        return None
    return f"private address {host}" if is_forbidden_address(host) else None


class AddressSafetyMiddleware:
    """Downloader middleware: drop requests to forbidden literal addresses (also redirect hops)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressSafetyMiddleware:
        return cls(crawler.settings.getbool(SETTING))

    def process_request(self, request: Request) -> None:
        if self.allow_private:
            return
        verdict = literal_host_verdict(urlparse_cached(request).hostname or "")
        if verdict:
            raise PrivateAddressRefused(f"refused {verdict}")


class SafeResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, failing any name whose answer is a forbidden address."""

    allow_private = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> SafeResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool(SETTING)
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802 - Twisted's interface name
        d = super().getHostByName(name, timeout)
        if not self.allow_private:
            d.addCallback(self._check, name)
        return d

    @staticmethod
    def _check(address: str, name: str) -> str:
        if is_forbidden_address(address):
            raise PrivateAddressRefused(f"refused {name}: resolves to private address {address}")
        return address
