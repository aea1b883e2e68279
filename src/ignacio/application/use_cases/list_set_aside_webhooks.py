"""ListSetAsideWebhooks: webhook deliveries that could not be stored, for admins."""

from __future__ import annotations

from ignacio.application.authorization import require_admin
from ignacio.application.ports import WebhookInbox
from ignacio.domain import Page, PageRequest, SetAsideDelivery, User


class ListSetAsideWebhooks:
    """Acknowledged webhook deliveries that failed every attempt to store them: when each came,
    from which provider, from whom (masked) and why it failed. Admins only. No plaintext phone
    number and no message text: the body stays sealed."""

    def __init__(self, inbox: WebhookInbox) -> None:
        self._inbox = inbox

    async def __call__(self, actor: User, page: PageRequest) -> Page[SetAsideDelivery]:
        require_admin(actor)
        return await self._inbox.list_set_aside(page)
