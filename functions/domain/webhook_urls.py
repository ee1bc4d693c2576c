"""Which URLs a webhook may target (SSRF, OWASP API7), checked at registration and again before each send.

Hand-written over the standard library's `ipaddress` (which classifies the addresses): the SSRF
libraries on PyPI (advocate, ...) wrap `requests` and are unmaintained, and the rules are a dozen lines.
The check resolves the host and returns the addresses it approved, so that the sender connects to
one of exactly those (no second lookup that DNS rebinding could answer differently).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

import idna

from functions.data.settings import settings
from functions.models.entities.webhooks import WebhookTarget as Target
from functions.models.errors import ValidationFailed
from functions.records import record

MAX_URL_LENGTH = 2048
DNS_TIMEOUT_SECONDS = 5.0  # before the send's own 10 s: the delivery Lambda's 30 s timeout covers both
# The instance metadata services (IPv4 and the Nitro IPv6 one), named so the refusal says so.
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


def _refuse(rule: str) -> ValidationFailed:
    return ValidationFailed(f'Field "url": {rule}')


# IPv6 ranges that carry an IPv4 address in their low bits and reach it through a translator or a
# tunnel: NAT64 (well-known and local-use prefixes), IPv4-compatible (::a.b.c.d, deprecated), SIIT
# (::ffff:0:a.b.c.d) and 6to4. Refused whatever IPv4 address they embed, rather than decoding each.
EMBEDDING_IPV4 = tuple(
    ipaddress.ip_network(network)
    for network in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96", "2002::/16")
)


def _problem(address: Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_unspecified or address.is_loopback:
            return "a loopback address" if address.is_loopback else "a private or reserved address"
        if address.teredo is not None or any(address in network for network in EMBEDDING_IPV4):
            return "an IPv6 address embedding an IPv4 one"
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private or not address.is_global:
        return "a private or reserved address"
    return None


def _lookup(host: str, port: int) -> list[tuple[Any, ...]]:
    """getaddrinfo within DNS_TIMEOUT_SECONDS: it has no timeout of its own (the resolver's can reach
    tens of seconds), so it runs on a daemon thread that is abandoned when late."""
    found: list[list[tuple[Any, ...]]] = []

    def lookup() -> None:
        with contextlib.suppress(OSError, UnicodeError):
            found.append(list(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))

    thread = threading.Thread(target=lookup, name="webhook-dns", daemon=True)
    thread.start()
    thread.join(DNS_TIMEOUT_SECONDS)
    if not found:
        raise _refuse(f"host {host[:100]} does not resolve")
    return found[0]


def _resolve(host: str, port: int) -> list[Address]:
    found = _lookup(host, port)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]


def _host(raw: str) -> str:
    """The host as DNS and TLS know it: no trailing dot (`example.com.` is `example.com`, but the
    certificate and the Host header name the latter) and an internationalised name as its ASCII
    (punycode) form, per UTS #46 like browsers. The `idna` package rather than Python's own codec,
    which implements the obsolete IDNA 2003 without UTS #46's mapping."""
    host = raw.lower()
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise _refuse("must name a host")
    if host.isascii():
        return host  # ASCII names (and IP literals) pass as they are: DNS takes them so
    try:
        return str(idna.encode(host, uts46=True).decode("ascii"))
    except idna.IDNAError as exc:
        raise _refuse("host must be a valid internationalised domain name (IDNA)") from exc


@record
class _Parsed:
    scheme: str
    host: str
    port: int | None  # as written: None when the scheme's default
    path: str  # path and query
    local: bool


def _parse(url: str) -> _Parsed:
    if len(url) > MAX_URL_LENGTH:
        raise _refuse(f"must be at most {MAX_URL_LENGTH} characters")
    if _UNSAFE.search(url):
        # urlsplit would silently drop tabs and newlines; a URL that needs them is not one we send to.
        raise _refuse("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _refuse("is not a valid URL") from exc
    host = _host(parts.hostname or "") if parts.hostname else ""
    local = settings().local_receivers and parts.scheme == "http" and host in LOCAL_HOSTS
    if parts.scheme != "https" and not local:
        raise _refuse("must use https")
    if not host:
        raise _refuse("must name a host")
    if parts.username is not None or parts.password is not None:
        raise _refuse("must not carry credentials")
    if parts.fragment:
        raise _refuse("must not carry a fragment")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Parsed(parts.scheme, host, port, path, bool(local))


def normalise(url: str) -> str:
    """The URL as stored and sent: its host normalised (see _host); ValidationFailed if it cannot be."""
    parsed = _parse(url)
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    port = f":{parsed.port}" if parsed.port is not None else ""
    return f"{parsed.scheme}://{host}{port}{parsed.path}"


def check(url: str) -> Target:
    """The URL's target if every rule holds; ValidationFailed naming the rule otherwise."""
    parsed = _parse(url)
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    addresses = _resolve(host, port)
    for address in addresses:
        problem = _problem(address)
        if problem and not (parsed.local and address.is_loopback):
            # The rule, not the address: what a name resolves to inside our network is not the caller's to learn.
            raise _refuse(f"host {host[:100]} resolves to {problem}, which webhooks may not target")
    return Target(parsed.scheme, host, port, parsed.path, tuple(str(address) for address in addresses))
