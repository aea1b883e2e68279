"""MakeAdmin: give an existing member admin rights, found by their phone number."""

from __future__ import annotations

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.application.use_cases.update_user import UpdateUser, UpdateUserCommand
from ignacio.domain import NotFound, PhoneNumber, User


class MakeAdmin:
    """Make the member with this phone number an admin.

    - The same rules as any change of rights (`UpdateUser`): only an admin, or the operator at
      the command line (`actor` None), and recorded in the audit log.
    - The number must belong to a member; one who is an admin already stays one, unchanged.
    - A name, when given, becomes the member's name too.
    - This is how someone who logged in before being made admin (the README's first steps) gets
      the rights: creating the number again would be refused as a duplicate.
    """

    def __init__(self, uow: UnitOfWorkFactory, update_user: UpdateUser) -> None:
        self._uow = uow
        self._update_user = update_user

    async def __call__(self, actor: User | None, phone: str, name: str | None = None) -> User:
        number = PhoneNumber.parse(phone)
        async with self._uow(read_only=True) as uow:
            member = await uow.users.get_by_phone(number)
        if member is None:
            raise NotFound(
                f"No member has the number {number.e164}: create one with "
                "`ignacio users create --admin --phone ...`."
            )
        named = UpdateUserCommand(is_admin=True, name=name) if name else None
        return await self._update_user(actor, member.id, named or UpdateUserCommand(is_admin=True))
