"""IdentityRepository contract, and members with no phone number (UserRepository)."""

from __future__ import annotations

import msgspec
import pytest

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Conflict, NotFound, PageRequest, Provider
from tests.contract.builders import at, identity, phone, store, user

WABA = "1234567890987654321"
BSUID = "US.13491208655302741918"


async def test_an_identity_is_found_by_exactly_its_key(uow_factory: UnitOfWorkFactory) -> None:
    ana = user(1, phone=None, name="Ana")
    hers = identity(ana, BSUID, parent_user_id="US.ENT.118", username="ana.g")
    await store(uow_factory, ana, hers)
    async with uow_factory(read_only=True) as uow:
        found = uow.identities.find
        assert await found(Provider.WHATSAPP_CLOUD, WABA, BSUID) == hers
        # Another account, no account, another provider, another id: nobody.
        assert await found(Provider.WHATSAPP_CLOUD, "999", BSUID) is None
        assert await found(Provider.WHATSAPP_CLOUD, None, BSUID) is None
        assert await found(Provider.TWILIO, WABA, BSUID) is None
        assert await found(Provider.WHATSAPP_CLOUD, WABA, "US.1") is None
        assert await uow.identities.with_parent(Provider.WHATSAPP_CLOUD, "US.ENT.118") == hers
        assert await uow.identities.with_parent(Provider.TWILIO, "US.ENT.118") is None
        assert await uow.users.get(ana.id) == ana


async def test_an_id_kept_without_an_account_is_found_only_without_one(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ana = user(1)
    legacy = identity(ana, BSUID, account=None)
    await store(uow_factory, ana, legacy)
    async with uow_factory() as uow:
        assert await uow.identities.find(Provider.WHATSAPP_CLOUD, None, BSUID) == legacy
        assert await uow.identities.find(Provider.WHATSAPP_CLOUD, WABA, BSUID) is None
        claimed = msgspec.structs.replace(legacy, account=WABA, updated_at=at(5))
        await uow.identities.update(claimed)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.identities.find(Provider.WHATSAPP_CLOUD, WABA, BSUID) == claimed
        assert await uow.identities.find(Provider.WHATSAPP_CLOUD, None, BSUID) is None


async def test_one_key_is_one_person_s(uow_factory: UnitOfWorkFactory) -> None:
    ana, luis = user(1), user(2)
    await store(uow_factory, ana, luis, identity(ana, BSUID))
    with pytest.raises(Conflict):
        await store(uow_factory, identity(luis, BSUID))
    # The same id under another account is another key, and a person may hold several ids.
    await store(
        uow_factory,
        identity(luis, BSUID, account="999"),
        identity(ana, "US.2", created=1),
    )
    with pytest.raises(NotFound):
        await store(uow_factory, identity(user(3), "US.3"))


async def test_an_update_keeps_the_key_unique(uow_factory: UnitOfWorkFactory) -> None:
    ana, luis = user(1), user(2)
    hers, his = identity(ana, BSUID), identity(luis, "US.2")
    await store(uow_factory, ana, luis, hers, his)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.identities.update(msgspec.structs.replace(his, provider_user_id=BSUID))
    renamed = msgspec.structs.replace(his, username="luis", updated_at=at(9))
    async with uow_factory() as uow:
        await uow.identities.update(renamed)
        with pytest.raises(NotFound):
            await uow.identities.update(identity(luis, "US.9"))
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.identities.find(Provider.WHATSAPP_CLOUD, WABA, "US.2") == renamed


async def test_each_member_s_identities_oldest_first_and_gone_with_them(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ana, luis, eva = user(1), user(2), user(3)
    second, first = identity(ana, "US.2", created=2), identity(ana, "US.1", created=1)
    his = identity(luis, "US.3")
    await store(uow_factory, ana, luis, eva, second, first, his)
    async with uow_factory(read_only=True) as uow:
        assert await uow.identities.of_users(iter([ana.id, eva.id, luis.id, ana.id])) == {
            ana.id: [first, second],
            luis.id: [his],
        }
        assert await uow.identities.of_users([]) == {}
    async with uow_factory() as uow:
        await uow.users.delete(ana.id)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.identities.of_users([ana.id, luis.id]) == {luis.id: [his]}
        assert await uow.identities.find(Provider.WHATSAPP_CLOUD, WABA, "US.1") is None


async def test_members_with_no_number_are_many_and_gain_one_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ana, luis = user(1, phone=None, name="Ana"), user(2, phone=None, name="Luis")
    eva = user(3, name="Eva")
    await store(uow_factory, ana, luis, eva)
    async with uow_factory() as uow:
        assert await uow.users.get(ana.id) == ana
        assert await uow.users.get_by_phone(phone(1)) is None
        # A search for a number finds nobody who has none.
        listed = await uow.users.list(PageRequest(limit=10), search=str(phone(1)))
        assert listed.items == []
        with pytest.raises(Conflict):
            await uow.users.update(msgspec.structs.replace(ana, phone=eva.phone))
    numbered = msgspec.structs.replace(ana, phone=phone(1), updated_at=at(1))
    async with uow_factory() as uow:
        await uow.users.update(numbered)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.users.get_by_phone(phone(1)) == numbered
        assert await uow.users.get(luis.id) == luis


async def test_the_longest_values_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    ana = user(1)
    longest = identity(
        ana,
        "U" + "1" * 159,
        account="A" * 64,
        parent_user_id="P" + "2" * 159,
        username="ñ" * 100,
    )
    await store(uow_factory, ana, longest)
    async with uow_factory(read_only=True) as uow:
        assert await uow.identities.of_users([ana.id]) == {ana.id: [longest]}
