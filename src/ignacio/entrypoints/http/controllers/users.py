"""The member's own profile, and user management for admins."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from ignacio.application.use_cases.authenticate import Principal
from ignacio.application.use_cases.create_user import CreateUser, CreateUserCommand
from ignacio.application.use_cases.delete_user import DeleteUser
from ignacio.application.use_cases.get_me import GetMe
from ignacio.application.use_cases.list_users import ListUsers, ListUsersQuery
from ignacio.application.use_cases.update_me import UpdateMe, UpdateMeCommand
from ignacio.application.use_cases.update_user import UpdateUser, UpdateUserCommand
from ignacio.domain import Order
from ignacio.entrypoints.http.dependencies import Cursor, Limit, OrderQuery, page_request
from ignacio.entrypoints.http.error_responses import error_responses
from ignacio.entrypoints.http.schemas import (
    CreateUserBody,
    PageOut,
    UpdateMeBody,
    UpdateUserBody,
    UserOut,
    page_out,
)

Search = Annotated[
    str | None,
    QueryParameter(
        max_length=100, description="Part of a name or WhatsApp username, or a whole phone number"
    ),
]


class UserController(Controller):
    path = "/users"
    tags = ["users"]

    @get("/me")
    async def get_me(
        self, principal: NamedDependency[Principal], get_me: NamedDependency[GetMe]
    ) -> UserOut:
        """The caller's profile."""
        return UserOut.of(await get_me(principal.user))

    @put("/me")
    async def update_me(
        self,
        principal: NamedDependency[Principal],
        update_me: NamedDependency[UpdateMe],
        data: JSONBody[UpdateMeBody],
    ) -> UserOut:
        """Change the caller's name. The phone number cannot be changed."""
        return UserOut.of(await update_me(principal.user, UpdateMeCommand(name=data.name)))

    @get("/", responses=error_responses(403))
    async def list_users(
        self,
        principal: NamedDependency[Principal],
        list_users: NamedDependency[ListUsers],
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
        search: Search = None,
    ) -> PageOut[UserOut]:
        """Every user (admins only)."""
        listing = await list_users(
            principal.user,
            ListUsersQuery(page=page_request(limit, cursor, order), search=search or None),
        )
        return page_out(
            listing.page, lambda user: UserOut.of(user, listing.identities.get(user.id))
        )

    @post("/", status_code=HTTP_201_CREATED, responses=error_responses(403, 409))
    async def create_user(
        self,
        principal: NamedDependency[Principal],
        create_user: NamedDependency[CreateUser],
        data: JSONBody[CreateUserBody],
    ) -> UserOut:
        """Register a phone number as a member or an admin (admins only; 409 if it exists)."""
        user = await create_user(
            principal.user,
            CreateUserCommand(phone=data.phone_number, name=data.name, is_admin=data.is_admin),
        )
        return UserOut.of(user)

    @put("/{user_id:uuid}", responses=error_responses(403, 404, 409))
    async def update_user(
        self,
        principal: NamedDependency[Principal],
        update_user: NamedDependency[UpdateUser],
        user_id: FromPath[UUID],
        data: JSONBody[UpdateUserBody],
    ) -> UserOut:
        """Change a user's name, activity or admin rights (admins only).

        Deactivating ends the user's sessions. The last active admin cannot be demoted.
        """
        user = await update_user(
            principal.user,
            user_id,
            UpdateUserCommand(name=data.name, is_active=data.is_active, is_admin=data.is_admin),
        )
        return UserOut.of(user)

    @delete(
        "/{user_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        responses=error_responses(403, 404, 409),
    )
    async def delete_user(
        self,
        principal: NamedDependency[Principal],
        delete_user: NamedDependency[DeleteUser],
        user_id: FromPath[UUID],
    ) -> None:
        """Delete a user and their conversations (admins only)."""
        await delete_user(principal.user, user_id)
