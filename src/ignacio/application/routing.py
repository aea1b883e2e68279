"""Which workspace a WhatsApp message is for: the one that has the number it was sent to."""

from __future__ import annotations

from ignacio.application.ports import UnitOfWork
from ignacio.application.workspaces import default_workspace
from ignacio.domain import Provider
from ignacio.domain.channels import ChannelAddress, UnknownRecipient, WorkspaceChannel
from ignacio.domain.workspaces import Workspace


async def route(
    uow: UnitOfWork, provider: Provider, recipient: str | None, home: ChannelAddress | None
) -> tuple[Workspace, WorkspaceChannel | None]:
    """The workspace a message sent to `recipient` is for, and its number (None: the
    deployment's own number, `home`, which is the default workspace's).

    - A workspace's own number: that workspace.
    - The deployment's number, or no recipient named (a provider that does not say): the
      default workspace.
    - A deployment that does not know its own number (`home` None) cannot tell a stranger's
      number from its own: the default workspace, as before workspaces had numbers.
    - Any other number: UnknownRecipient; the message is for nobody here, and guessing would
      hand one organisation's member to another's assistant.
    """
    if recipient is not None:
        number = await uow.channels.find(provider, recipient)
        if number is not None:
            workspace = await uow.workspaces.get(number.workspace_id)
            if workspace is None:  # removed in between; its numbers went with it
                raise UnknownRecipient(provider, recipient)
            return workspace, number
        if home is not None and home != ChannelAddress(provider=provider, address=recipient):
            raise UnknownRecipient(provider, recipient)
    return await default_workspace(uow), None
