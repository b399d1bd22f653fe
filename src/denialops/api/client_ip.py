"""Who is calling: the client's IP address, with X-Forwarded-For believed only from our proxies.

X-Forwarded-For is a list any client can start: `attacker-chosen, ..., what our proxy saw`.
Each proxy appends the address it received the request from, so only the entries added by
proxies we trust are true. We therefore believe the header only when the direct peer is one of
TRUSTED_PROXIES, and read it from the right, skipping our own proxies: the first address that
is not one of them is the client. Without trusted proxies, the peer address is the client and
the header is ignored (a client could otherwise pick a fresh address, and a fresh rate-limit
bucket, for every request).

`denialops serve` turns uvicorn's own proxy-header handling off, so this is the one place that
reads the header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

UNKNOWN = "unknown"
_MAX_HOPS = 32  # a longer chain is not a real proxy path; do not spend time on it


def client_ip(scope: Scope, trusted: Sequence[Network]) -> str:
    """The calling client's address as text (UNKNOWN when the server gave none)."""
    peer = scope.get("client")
    if not peer:
        return UNKNOWN
    peer_host = str(peer[0])
    if not trusted:  # the common case: no proxies, so the peer is the client
        return peer_host
    peer_ip = _parse(peer_host)
    if peer_ip is None or not _is_trusted(peer_ip, trusted):
        return peer_host
    hops = _forwarded_for(scope)
    for hop in reversed(hops):
        hop_ip = _parse(hop)
        if hop_ip is None:
            # Garbage where our proxy writes an address: nothing in the header can be believed.
            return peer_host
        if not _is_trusted(hop_ip, trusted):
            return str(hop_ip)
    # Every hop is one of ours (a request from inside): the first one is the origin.
    first = _parse(hops[0]) if hops else None
    return str(first) if first is not None else peer_host


def _forwarded_for(scope: Scope) -> list[str]:
    # Several X-Forwarded-For headers are one list, in order (RFC 9110 field combination).
    values = [
        value.decode("latin-1")
        for name, value in scope.get("headers") or ()
        if name.lower() == b"x-forwarded-for"
    ]
    hops = [hop.strip() for hop in ",".join(values).split(",") if hop.strip()]
    return hops[-_MAX_HOPS:]


def _parse(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _is_trusted(ip: Address, trusted: Sequence[Network]) -> bool:
    # An IPv4 peer may arrive as an IPv4-mapped IPv6 address (::ffff:10.0.0.1).
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in trusted)
