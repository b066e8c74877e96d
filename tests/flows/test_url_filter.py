"""Pasted links: every spelling of a private or loopback address is refused before anything is held.

Regression (issue 13, item 9: "pasted-URL filter bypasses"): `0x7f.1`, full-width digits and other
spellings that browsers, curl and Kie's fetcher read as 127.0.0.1 passed the filter. The host is now
normalised (Unicode NFKC, IDNA) and read with the ipaddress module; a host that looks numeric must be
a plain dotted quad. Names that only resolve to private addresses are refused at submit time
(tests/jobs/test_pasted_urls.py), where the runtime may resolve them.
"""

from __future__ import annotations

import pytest

from flows.catalog.types import UrlField
from flows.catalog.validate import InputError, check_url, validate_value


def _code(url: str) -> str | None:
    try:
        validate_value(UrlField(), url)
    except InputError as error:
        return error.code
    return None


@pytest.mark.parametrize(
    "url",
    [
        "http://0x7f.1/a.jpg",
        "http://0x7f.0.0.1/a.jpg",
        "http://0177.0.0.1/a.jpg",
        "http://0x7f000001/a.jpg",
        "http://017700000001/a.jpg",
        "http://127.0.1/a.jpg",
        "http://1.2.3/a.jpg",
        "http://１２７.０.０.１/a.jpg",
        "http://127。0。0。1/a.jpg",
        "http://127．0．0．1/a.jpg",
        "http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/a.jpg",
        "http://ｌｏｃａｌｈｏｓｔ/a.jpg",
        "http://localhost./a.jpg",
        "http://LocalHost/a.jpg",
        "http://[::ffff:7f00:1]/a.jpg",
        "http://[64:ff9b::7f00:1]/a.jpg",
        "http://[2002:7f00:1::]/a.jpg",
        "http://[fd00::1]/a.jpg",
        "http://[::]/a.jpg",
        "http://100.64.0.1/a.jpg",
        "http://example.0x7f/a.jpg",
        "http://example.123/a.jpg",
        "http://224.0.0.1/a.jpg",
    ],
)
def test_pasted_url_filter_bypasses(url):
    assert _code(url) in ("private_url", "bad_url"), url


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a.jpg",
        "https://8.8.8.8/a.jpg",
        "https://sub.example.co.uk:8443/a/b.png?x=1",
        "https://cdn.example.com/img.JPG",
        "https://[2606:4700:4700::1111]/a.jpg",
        "https://1.1.1.1/a.png",
    ],
)
def test_public_urls_still_pass(url):
    assert validate_value(UrlField(), url) == url


def test_unicode_hosts_are_sent_in_their_ascii_form():
    assert check_url("https://пример.рф/кот.jpg") == "https://xn--e1afmkfd.xn--p1ai/кот.jpg"
    assert check_url("https://ｅｘａｍｐｌｅ.com/a.jpg") == "https://example.com/a.jpg"
    assert _code("https://exa mple.com/a.jpg") == "bad_url"
