from __future__ import annotations

import pytest
from scrapy import Request

from crawler.safety import AddressSafetyMiddleware, PrivateAddressRefused, is_forbidden_address, literal_host_verdict


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "224.0.0.1", "0.0.0.0", "::1",
     "fe80::1", "fc00::1", "::ffff:127.0.0.1", "100.64.0.1", "255.255.255.255"],
)
def test_private_and_special_addresses_are_forbidden(address: str) -> None:
    assert is_forbidden_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "194.17.14.1", "2a00:1450:4001::1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert not is_forbidden_address(address)


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "x.localhost", "127.0.0.1", "[::1]", "2130706433",
                                  "0x7f.1", "017700000001"])
def test_literal_host_verdicts(host: str) -> None:
    assert literal_host_verdict(host) is not None


@pytest.mark.parametrize("host", ["www.testby.se", "8.8.8.8", "a1.example"])
def test_names_are_left_to_the_resolver(host: str) -> None:
    assert literal_host_verdict(host) is None


def test_middleware_refuses_by_default_and_allows_when_configured() -> None:
    with pytest.raises(PrivateAddressRefused):
        AddressSafetyMiddleware(allow_private=False).process_request(Request("http://169.254.169.254/latest/"))
    assert AddressSafetyMiddleware(allow_private=True).process_request(Request("http://127.0.0.1/")) is None
    assert AddressSafetyMiddleware(allow_private=False).process_request(Request("https://www.testby.se/")) is None


def test_resolver_check_refuses_private_answers() -> None:
    from crawler.safety import SafeResolver

    with pytest.raises(PrivateAddressRefused):
        SafeResolver._check("10.0.0.5", "intranet.testby.se")
    assert SafeResolver._check("8.8.8.8", "dns.example") == "8.8.8.8"


def test_redirect_hops_are_checked_again() -> None:
    """A public page that redirects to an internal address: the redirected request re-enters the chain."""
    from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(settings_dict={})
    redirect = RedirectMiddleware.from_crawler(crawler)
    request = Request("https://www.testby.se/nyheter/")
    response = Response(request.url, status=302, headers={"Location": "http://10.0.0.7/admin"}, request=request)
    hop = redirect.process_response(request, response)
    assert isinstance(hop, Request) and hop.url == "http://10.0.0.7/admin"
    with pytest.raises(PrivateAddressRefused):
        AddressSafetyMiddleware(allow_private=False).process_request(hop)
