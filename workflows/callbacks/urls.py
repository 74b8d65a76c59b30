"""Which callback URLs we will send to (server-side request forgery).

No credentials in the URL; http or https only; and unless RQ_CALLBACK_ALLOW_PRIVATE is set (it
is in the embedded demo), no host that is or resolves to a loopback, link-local, private or
otherwise internal address. Checked when a URL is accepted and again before every delivery:
the host is resolved once, every address it has must be outside, and the request goes to one of
those addresses. Letting the HTTP client resolve the name again would let an answer that changed
in between (DNS rebinding) reach an internal address.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeCallbackURL(ValueError):
    pass


def shown(url: str) -> str:
    """The URL as people see it: producers often put a token in the query string, which no
    reviewer or auditor needs; where it goes (scheme, host, path) stays visible. A token in the
    path (as some chat webhooks have) stays visible too: the path is how people tell URLs apart."""
    if not url:
        return url
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}{'?…' if parts.query else ''}"


# IPv6 ranges that carry an IPv4 address inside: the address they lead to is the embedded one.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return _internal(str(embedded))
    if ip in _NAT64_LOCAL:
        return True  # a network's own translator: where it leads is not ours to know
    return not ip.is_global or ip.is_multicast


def _embedded_ipv4(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | None:
    if ip.version != 6:
        return None
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):  # :: and ::1 embed nothing
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def check(url: str, *, resolve: bool = True) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeCallbackURL("only http and https URLs with a host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeCallbackURL("credentials do not belong in a callback URL")
    if settings.RQ_CALLBACK_ALLOW_PRIVATE:
        return
    host = parts.hostname
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if _internal(host):
            raise UnsafeCallbackURL(f"{host} is an internal address")
        return
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise UnsafeCallbackURL(f"{host} is an internal name")
    if resolve:
        vetted_addresses(host)


class HostDoesNotResolve(UnsafeCallbackURL):
    """No address for the name now: refused when a URL is accepted, retried at delivery (DNS
    may be down for a moment)."""


def vetted_addresses(host: str) -> list[str]:
    """Resolve host once; its addresses to connect to, in the resolver's order, all refused if
    any of them is internal."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise HostDoesNotResolve(f"{host} does not resolve") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        if _internal(address):
            raise UnsafeCallbackURL(f"{host} resolves to an internal address ({address})")
    if not addresses:
        raise HostDoesNotResolve(f"{host} does not resolve")
    return addresses
