"""The last active admin stays, also when admins take each other's rights at the same moment.

Two admins who demote (deactivate, delete) each other at once both see two admins when they
start; unless the database makes the second wait for the first and count again, both succeed
and nobody can manage the system any more. Run many times on every adapter, on the real use
cases, each on its own connection.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ignacio.adapters.memory import InMemoryBlobStorage
from ignacio.adapters.system import RandomIdGenerator, SystemClock
from ignacio.application.auditing import Auditor
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.application.use_cases.delete_user import DeleteUser
from ignacio.application.use_cases.update_user import UpdateUser, UpdateUserCommand
from ignacio.domain import Conflict, PageRequest, User
from tests.contract.builders import store, user

ROUNDS = 25
EVERYONE = PageRequest(limit=100)


def demote(update: UpdateUser) -> Any:
    async def act(actor: User, target: User) -> None:
        await update(actor, target.id, UpdateUserCommand(is_admin=False))

    return act


def deactivate(update: UpdateUser) -> Any:
    async def act(actor: User, target: User) -> None:
        await update(actor, target.id, UpdateUserCommand(is_active=False))

    return act


def remove(delete: DeleteUser) -> Any:
    async def act(actor: User, target: User) -> None:
        await delete(actor, target.id)

    return act


async def active_admins(uow_factory: UnitOfWorkFactory) -> int:
    async with uow_factory() as uow:
        return sum(
            1
            for found in (await uow.users.list(EVERYONE)).items
            if found.is_admin and found.is_active
        )


@pytest.mark.parametrize("first", ["demote", "deactivate", "delete"])
@pytest.mark.parametrize("second", ["demote", "deactivate", "delete"])
async def test_two_admins_taking_each_others_rights_at_once_leave_one(
    uow_factory: UnitOfWorkFactory, first: str, second: str
) -> None:
    clock = SystemClock()
    auditor = Auditor(clock, RandomIdGenerator())
    update = UpdateUser(uow_factory, auditor, clock)
    delete = DeleteUser(uow_factory, auditor, InMemoryBlobStorage(), [])
    actions = {"demote": demote(update), "deactivate": deactivate(update), "delete": remove(delete)}
    for round_ in range(ROUNDS):
        ana = user(2 * round_, is_admin=True)
        luis = user(2 * round_ + 1, is_admin=True)
        await store(uow_factory, ana, luis)

        outcomes = await asyncio.gather(
            actions[first](ana, luis), actions[second](luis, ana), return_exceptions=True
        )

        refused = [outcome for outcome in outcomes if isinstance(outcome, Conflict)]
        assert [o for o in outcomes if o is not None and o not in refused] == []
        assert len(refused) == 1, outcomes
        assert await active_admins(uow_factory) == 1
        # The survivor makes way for the next round's pair.
        async with uow_factory() as uow:
            for survivor in (await uow.users.list(EVERYONE)).items:
                await uow.users.delete(survivor.id)
            await uow.commit()
