"""A session's place, shown coarsely; and the session use cases' rules on the memory set."""

from __future__ import annotations

import ipaddress
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.application.use_cases.logout import LogoutCommand
from ignacio.domain import AuthenticationFailed, NotFound
from ignacio.domain.auth import coarse_network
from tests.support.system import System

PHONE, OTHER = "+34612345678", "+34699111222"


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("fe80::1%eth0", "fe80::/48"),
        (" 192.0.2.1 ", "192.0.2.0/24"),
        ("testclient", None),
        ("", None),
        (None, None),
    ],
)
def test_a_client_address_is_shown_as_its_network(address: str | None, network: str | None) -> None:
    assert coarse_network(address) == network


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_keeps_its_first_three_bytes_only(address: ipaddress.IPv4Address) -> None:
    network = ipaddress.ip_network(coarse_network(str(address)) or "")
    assert network.prefixlen == 24
    assert address in network
    assert coarse_network(f"::ffff:{address}") == str(network)


@given(st.ip_addresses(v=6))
def test_an_ipv6_address_keeps_its_site_prefix_only(address: ipaddress.IPv6Address) -> None:
    shown = coarse_network(str(address))
    assert shown is not None
    network = ipaddress.ip_network(shown)
    if address.ipv4_mapped is None:
        assert (network.prefixlen, address in network) == (48, True)
    else:
        assert network.prefixlen == 24


@given(st.text(alphabet=st.characters(exclude_characters="0123456789abcdefABCDEF.:%")))
def test_what_is_not_an_address_shows_nothing(text: str) -> None:
    assert coarse_network(text) is None


async def test_revoking_needs_a_live_session_of_the_caller(system: System) -> None:
    mine = await system.login(PHONE)
    theirs = await system.login(OTHER)
    me = await system.container.authenticate()(mine.tokens.access_token)
    them = await system.container.authenticate()(theirs.tokens.access_token)
    revoke = system.container.revoke_session()

    for session_id in (them.session_id, uuid4()):
        with pytest.raises(NotFound):
            await revoke(me, session_id)
    await system.container.authenticate()(theirs.tokens.access_token)

    await revoke(me, me.session_id)
    with pytest.raises(AuthenticationFailed):
        await system.container.authenticate()(mine.tokens.access_token)
    with pytest.raises(NotFound):
        await revoke(me, me.session_id)


async def test_logout_everywhere_else_keeps_the_current_session(system: System) -> None:
    here = await system.login(PHONE)
    elsewhere = [await system.login(PHONE) for _ in range(2)]
    me = await system.container.authenticate()(here.tokens.access_token)

    result = await system.container.logout()(
        LogoutCommand(
            user_id=me.user.id, session_id=me.session_id, all_devices=True, keep_current=True
        )
    )

    assert result.sessions_ended == 2
    await system.container.authenticate()(here.tokens.access_token)
    for login in elsewhere:
        with pytest.raises(AuthenticationFailed):
            await system.container.authenticate()(login.tokens.access_token)
    listed = await system.container.list_sessions()(me)
    assert [(view.session.id, view.is_current) for view in listed] == [(me.session_id, True)]
