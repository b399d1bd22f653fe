"""`client_ip`: X-Forwarded-For is believed only from TRUSTED_PROXIES, read from the right."""

from __future__ import annotations

import ipaddress

import pytest

from denialops.api.client_ip import UNKNOWN, Network, client_ip

PROXIES: list[Network] = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]


def scope(peer: str | None, *forwarded_for: str) -> dict[str, object]:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded_for]
    return {"client": (peer, 5000) if peer else None, "headers": headers}


@pytest.mark.parametrize(
    ("peer", "xff", "expected"),
    [
        # No proxy in front: the peer is the client, whatever the header claims.
        ("198.51.100.7", ["203.0.113.1"], "198.51.100.7"),
        # Our proxy: the right-most address that is not one of ours.
        ("10.0.0.5", ["203.0.113.1"], "203.0.113.1"),
        ("10.0.0.5", ["6.6.6.6, 203.0.113.1, 10.0.0.7"], "203.0.113.1"),
        ("10.0.0.5", ["6.6.6.6", "203.0.113.1"], "203.0.113.1"),  # two headers are one list
        ("fd00::1", ["2001:db8::9"], "2001:db8::9"),
        ("::ffff:10.0.0.5", ["203.0.113.1"], "203.0.113.1"),  # IPv4-mapped peer
        # Our proxy but no header: the proxy itself is all we know.
        ("10.0.0.5", [], "10.0.0.5"),
        # Every hop ours: the first one is where the request began.
        ("10.0.0.5", ["10.1.1.1, 10.2.2.2"], "10.1.1.1"),
        # Garbage where our proxy writes an address: believe nothing in the header.
        ("10.0.0.5", ["203.0.113.1, not-an-ip"], "10.0.0.5"),
    ],
)
def test_client_address(peer: str, xff: list[str], expected: str) -> None:
    assert client_ip(scope(peer, *xff), PROXIES) == expected


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_ip(scope("10.0.0.5", "203.0.113.1"), []) == "10.0.0.5"


def test_no_peer_is_unknown() -> None:
    assert client_ip(scope(None, "203.0.113.1"), PROXIES) == UNKNOWN


def test_a_spoofed_left_part_never_wins() -> None:
    spoofed = scope("10.0.0.5", "1.2.3.4, 5.6.7.8, 203.0.113.1")
    assert client_ip(spoofed, PROXIES) == "203.0.113.1"
