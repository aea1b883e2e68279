"""`ignacio workspaces ...`: the operator's hands on workspaces, trusted as the platform's admin.

A workspace is named by its id or its short name, as in the HTTP API.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from ignacio.application.use_cases.manage_workspaces import (
    CreateWorkspaceCommand,
    UpdateWorkspaceCommand,
)
from ignacio.application.use_cases.workspace_members import AddMemberCommand
from ignacio.domain import PageRequest, WhatsAppAccess
from ignacio.domain.workspaces import Workspace, WorkspaceRole
from ignacio.entrypoints.config import Settings
from ignacio.entrypoints.runtime import command_container

ROLES = [role.value for role in WorkspaceRole]
ACCESS = [mode.value for mode in WhatsAppAccess] + ["default"]


def add_workspace_commands(commands: Any) -> None:
    """The `workspaces` command and its actions, on the `ignacio` command's subparsers."""
    workspaces = commands.add_parser("workspaces", help="manage workspaces").add_subparsers(
        required=True, metavar="ACTION"
    )
    create = workspaces.add_parser("create", help="a new workspace (an organisation)")
    create.add_argument("name", help="the organisation's name, as the assistant says it")
    create.add_argument("--slug", help="short name for URLs and commands (default: from the name)")
    create.add_argument("--admin", help="a phone number to make its admin")
    create.set_defaults(run=_create)

    listing = workspaces.add_parser("list", help="every workspace")
    listing.set_defaults(run=_list)

    update = workspaces.add_parser("update", help="rename a workspace or set its access mode")
    update.add_argument("workspace", help="its id or short name")
    update.add_argument("--name")
    update.add_argument(
        "--access", choices=ACCESS, help="who may write on WhatsApp (default: the deployment's)"
    )
    update.set_defaults(run=_update)

    add = workspaces.add_parser("add-member", help="add a phone number to a workspace")
    add.add_argument("workspace", help="its id or short name")
    add.add_argument("--phone", required=True, help="international form, e.g. +34612345678")
    add.add_argument("--role", choices=ROLES, default=WorkspaceRole.MEMBER.value)
    add.add_argument("--name")
    add.set_defaults(run=_add_member)


def _create(settings: Settings, arguments: argparse.Namespace) -> int:
    async def create() -> None:
        async with command_container(settings) as container:
            workspace = await container.create_workspace()(
                None, CreateWorkspaceCommand(name=arguments.name, slug=arguments.slug)
            )
            print(f"Created workspace {workspace.slug} ({workspace.name}) with id {workspace.id}.")
            if arguments.admin:
                member = await container.add_workspace_member()(
                    None,
                    workspace.slug,
                    AddMemberCommand(phone=arguments.admin, role=WorkspaceRole.ADMIN),
                )
                print(f"{member.user.phone} is its admin.")

    asyncio.run(create())
    return 0


def _list(settings: Settings, _: argparse.Namespace) -> int:
    async def listing() -> None:
        async with (
            command_container(settings) as container,
            container.uow()(read_only=True) as uow,
        ):
            page = await uow.workspaces.list(PageRequest(limit=200))
        for workspace in sorted(page.items, key=lambda w: w.created_at):
            print(_line(workspace))

    asyncio.run(listing())
    return 0


def _update(settings: Settings, arguments: argparse.Namespace) -> int:
    fields: dict[str, Any] = {}
    if arguments.name is not None:
        fields["name"] = arguments.name
    if arguments.access is not None:
        fields["access"] = (
            None if arguments.access == "default" else WhatsAppAccess(arguments.access)
        )

    async def update() -> None:
        async with command_container(settings) as container:
            workspace = await container.update_workspace()(
                None, arguments.workspace, UpdateWorkspaceCommand(**fields)
            )
        print(_line(workspace))

    asyncio.run(update())
    return 0


def _add_member(settings: Settings, arguments: argparse.Namespace) -> int:
    async def add() -> None:
        async with command_container(settings) as container:
            member = await container.add_workspace_member()(
                None,
                arguments.workspace,
                AddMemberCommand(
                    phone=arguments.phone, role=WorkspaceRole(arguments.role), name=arguments.name
                ),
            )
        print(f"{member.user.phone} is {member.membership.role.value} of {arguments.workspace}.")

    asyncio.run(add())
    return 0


def _line(workspace: Workspace) -> str:
    access = workspace.access.value if workspace.access else "deployment's access"
    return f"{workspace.slug}\t{workspace.name}\t{access}\t{workspace.id}"
