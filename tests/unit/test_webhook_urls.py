"""The SSRF rules of webhook URLs, each named in its refusal: the registration's checks, in-process.

As `quollo serve` runs them (http to 127.0.0.1 and localhost allowed, for local receivers);
tests/e2e/test_webhooks.py sends one refusal over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from functions.data.settings import allow_local_receivers
from functions.domain import webhook_urls
from functions.models.errors import ValidationFailed


@pytest.fixture(autouse=True)
def _as_quollo_serve() -> Iterator[None]:
    allow_local_receivers()
    try:
        yield
    finally:
        allow_local_receivers(False)


def _registered(url: str) -> None:
    """What registration checks: the URL normalised, then every rule on it."""
    webhook_urls.check(webhook_urls.normalise(url))


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://[fd00:ec2::254]/", "metadata"),
        ("https://10.0.0.8/hook", "private"),
        ("https://192.168.1.1/hook", "private"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://169.254.1.1/hook", "link-local"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://0.0.0.0/hook", "private or reserved"),
        ("http://127.0.0.2/hook", "https"),  # only 127.0.0.1 and localhost are allowed over http locally
        ("http://93.184.215.14/hook", "https"),
        ("ftp://93.184.215.14/hook", "https"),
        ("https://user:secret@93.184.215.14/hook", "credentials"),
        ("https://93.184.215.14/" + "a" * 2048, "2048"),
        ("https:///hook", "host"),
        ("https://93.184.215.14/a b", "spaces or control characters"),
        ("https://93.184.215.14/a\r\nX-Injected: 1", "spaces or control characters"),
        ("https://no-such-host.invalid/hook", "does not resolve"),
        # Internationalised names are looked up (and refused) as their punycode; what has none is refused.
        ("https://B\u00fccher.\u4f8b\u3048.jp/hook", "host xn--bcher-kva.xn--r8jz45g.jp does not resolve"),
        ("https://\u0301x.example/hook", "valid internationalised domain name (IDNA)"),
        ("https://./hook", "must name a host"),
        # IPv6 forms that carry an IPv4 address to a translator or tunnel (here 127.0.0.1 / 10.0.0.1).
        ("https://[64:ff9b::7f00:1]/hook", "embedding an IPv4"),  # NAT64
        ("https://[::7f00:1]/hook", "embedding an IPv4"),  # IPv4-compatible ::127.0.0.1
        ("https://[::ffff:0:a00:1]/hook", "embedding an IPv4"),  # SIIT
        ("https://[2002:a00:1::1]/hook", "embedding an IPv4"),  # 6to4
    ],
)
def test_ssrf_targets_are_refused_naming_the_rule(url: str, rule: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _registered(url)
    assert rule in refused.value.message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://localhost/hook", "https://93.184.215.14/hook"])
def test_public_and_local_receivers_are_accepted(url: str) -> None:
    _registered(url)
