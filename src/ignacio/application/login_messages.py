"""The WhatsApp side of logging in by message: a member's `VERIFY <code>` and their YES or NO,
recognised before the assistant (and before the team, when it holds the conversation)."""

from __future__ import annotations

import logging
from datetime import datetime

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.merging import Joined, MemberMerges, join_members
from ignacio.application.ports import (
    RateLimit,
    RateLimiter,
    SecretHasher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ignacio.application.replies import store_reply
from ignacio.application.workspaces import workspace_of
from ignacio.domain import Conflict, Conversation, Message, MessageType, User
from ignacio.domain.merging import link_refusal
from ignacio.domain.message_login import (
    ALREADY_ANSWERED,
    HIDDEN_CODE_TEXT,
    LINKED_NOTICE,
    NOT_VALID_NOTICE,
    REFUSED_NOTICE,
    SEVERAL_WAITING,
    SUPERSEDED,
    Answer,
    CodeMessage,
    MessageLogin,
    MessageLoginPurpose,
    MessageLoginState,
    account_label,
    answer_in,
    code_message,
    link_question,
    link_refused_notice,
    logged_in_notice,
    login_question,
    too_many_codes_notice,
)
from ignacio.domain.workspaces import Workspace

log = logging.getLogger(__name__)

# Audit actions, `<target>.<verb>`.
CLAIM = "message_login.claim"
CONFIRM = "message_login.confirm"
REFUSE = "message_login.refuse"
LINK = "whatsapp.link"
LINK_REFUSE = "whatsapp.link_refuse"


class MessageLoginLimits(msgspec.Struct, frozen=True, kw_only=True):
    """How many logins one client address may start (`per_client`), and how many `VERIFY`
    messages one member may send (`per_member`), per window."""

    per_client: RateLimit = RateLimit(amount=10, seconds=10 * 60)
    per_member: RateLimit = RateLimit(amount=5, seconds=10 * 60)


class LoginMessages:
    """Answer a member's message when it is part of a login by message; None when it is not
    (the assistant, or the team, has it as usual).

    - `VERIFY <code>` (any case) is always a login message, whoever holds the conversation: it
      is never the assistant's to read. Its text is stored hidden (`VERIFY ••••••`) in the same
      transaction as the answer: the code is never kept in clear once recognised.
    - Every `VERIFY` counts against the member's limit before any code is compared; over it,
      the answer says how long to wait, and nothing is compared.
    - The code is looked up, by its keyed hash, among the waiting challenges of the workspace
      whose number received it (the conversation's): a code shown for another workspace is not
      found, nor one expired or spent. A miss is answered the same whatever the reason.
    - A login is claimed by the sender, who is asked, naming the workspace, the device and the
      action, to answer YES (or NO); a newer claim of theirs refuses their older open ones, so a
      YES answers exactly the question last asked.
    - YES or NO (in the words `answer_in` knows) is a login message only while the member has a
      claim open in this workspace; otherwise the assistant reads it as any message.
    - A link: the sender being the account itself, it is linked at once (nothing changes
      hands); the sender being another member, they are asked, and on YES joined to the
      account (see `_link`).
    - Every claim, confirmation, refusal and link is audited in the workspace, the sender as
      the actor.
    - The answer is stored like the assistant's (one per message), so a rerun delivers it
      instead of answering twice; a claim made by a run that lost that race is rolled back.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: SecretHasher,
        limiter: RateLimiter,
        auditor: Auditor,
        limits: MessageLoginLimits,
        merges: MemberMerges | None = None,
    ) -> None:
        self._merges = merges
        self._uow = uow
        self._hasher = hasher
        self._limiter = limiter
        self._auditor = auditor
        self._limits = limits

    async def answer(
        self, user: User, conversation: Conversation, inbound: Message
    ) -> Message | None:
        if inbound.message_type is not MessageType.TEXT or not user.is_active:
            return None
        command = code_message(inbound.content)
        if command is not None:
            return await self._code(user, conversation, inbound, command)
        said = answer_in(inbound.content)
        if said is None:
            return None
        return await self._answered(user, conversation, inbound, said)

    async def _code(
        self, user: User, conversation: Conversation, inbound: Message, command: CodeMessage
    ) -> Message | None:
        wait = await self._limiter.hit(
            "message-login-member", str(user.id), self._limits.per_member
        )
        now = self._auditor.clock.now()
        try:
            async with self._uow() as uow:
                workspace = await workspace_of(uow, conversation)
                # Its words are written only by a revision (an edit may race this), from the row
                # as it stands under its lock.
                current = await uow.messages.get(inbound.id, for_update=True)
                if current is not None:
                    await uow.messages.revise(current.reworded(HIDDEN_CODE_TEXT))
                if wait is not None:
                    log.info("too many login codes from a member", extra={"user_id": str(user.id)})
                    text = too_many_codes_notice(wait)
                else:
                    text = await self._claim(uow, workspace, user, command, now)
                reply = await self._store(uow, conversation, inbound, text, now)
                await uow.commit()
        except Conflict:
            return await self._existing(inbound)
        return reply

    async def _claim(
        self,
        uow: UnitOfWork,
        workspace: Workspace,
        user: User,
        command: CodeMessage,
        now: datetime,
    ) -> str:
        login = None
        if command.code is not None:
            digest = self._hasher.digest(command.code.digits)
            login = await uow.message_logins.waiting_with_code(workspace.id, digest, now)
        if login is None:
            log.info("a login code that names no waiting login", extra={"user_id": str(user.id)})
            return NOT_VALID_NOTICE
        if login.purpose is MessageLoginPurpose.LINK:
            return await self._link(uow, workspace, user, login, now)
        if not await self._claimed(uow, workspace, user, login, now):
            return NOT_VALID_NOTICE
        return login_question(workspace.name, login.device)

    async def _claimed(
        self, uow: UnitOfWork, workspace: Workspace, user: User, login: MessageLogin, now: datetime
    ) -> bool:
        """The sender claims `login`, their older open claims refused (a YES answers the
        question last asked); False if a racing message claimed it first."""
        for earlier in await uow.message_logins.claims_of(workspace.id, user.id):
            if earlier.is_open_claim_of(user.id, now):
                await self._move(
                    uow,
                    workspace,
                    user,
                    earlier,
                    earlier.refused_by(user.id, now),
                    REFUSE,
                    reason=SUPERSEDED,
                )
        return await self._move(uow, workspace, user, login, login.claimed_by(user.id, now), CLAIM)

    async def _link(
        self,
        uow: UnitOfWork,
        workspace: Workspace,
        user: User,
        login: MessageLogin,
        now: datetime,
    ) -> str:
        """Link the sender's WhatsApp to the account that asked.

        The sender being the account itself, it is linked already, and is told so. The sender
        being another member (someone logged in on the web writes on WhatsApp under a username,
        so their messages made a member of their own), the two are to be joined: everything
        the sender's member has moves to the account. A person tricked into sending someone
        else's code would hand their WhatsApp history to a stranger, so the join waits for a
        YES to a question naming the workspace, the device, the account and what moves; and a
        link that would hand over more than a member's conversations (a team member's or an
        admin's WhatsApp, a second number) is refused outright (`link_refusal`), audited.
        """
        if login.account_id == user.id:
            if await self._move(uow, workspace, user, login, login.linked_by(user.id, now), LINK):
                return LINKED_NOTICE
            return NOT_VALID_NOTICE
        account, refusal = await self._link_check(uow, login, user)
        if account is None or refusal is not None:
            refused = login.refused_by(user.id, now)
            reason = refusal or "the account is gone"
            if await self._move(uow, workspace, user, login, refused, LINK_REFUSE, reason=reason):
                return link_refused_notice(reason)
            return NOT_VALID_NOTICE
        if not await self._claimed(uow, workspace, user, login, now):
            return NOT_VALID_NOTICE
        return link_question(workspace.name, login.device, account_label(account))

    async def _link_check(
        self, uow: UnitOfWork, login: MessageLogin, user: User
    ) -> tuple[User | None, str | None]:
        """The account a link is for, and why the sender may not join it (None: they may)."""
        if login.account_id is None:
            return None, None
        account = await uow.users.get(login.account_id)
        if account is None:
            return None, None
        identities = await uow.identities.of_users([account.id, user.id])
        roles = [joined.role for joined in await uow.workspaces.of_user(user.id)]
        refusal = link_refusal(
            account,
            user,
            identities.get(account.id, []),
            identities.get(user.id, []),
            roles,
        )
        return account, refusal

    async def _answered(
        self, user: User, conversation: Conversation, inbound: Message, said: Answer
    ) -> Message | None:
        now = self._auditor.clock.now()
        done: Joined | None = None
        try:
            async with self._uow() as uow:
                workspace = await workspace_of(uow, conversation)
                claims = await uow.message_logins.claims_of(workspace.id, user.id)
                open_claims = [claim for claim in claims if claim.is_open_claim_of(user.id, now)]
                if not open_claims:
                    return None
                text, account = await self._decide(uow, workspace, user, open_claims, said, now)
                reply = await self._store(uow, conversation, inbound, text, now)
                if account is not None:
                    # After the answer is stored, so that it moves with everything else.
                    done = await join_members(
                        uow,
                        self._auditor,
                        account,
                        user,
                        now,
                        reason="linked by a code sent from WhatsApp",
                        actor_id=user.id,
                    )
                await uow.commit()
        except Conflict:
            return await self._existing(inbound)
        if done is None:
            return reply
        if self._merges is not None:
            await self._merges.settle(done)
        return msgspec.structs.replace(reply, user_id=done.survivor.id)

    async def _decide(
        self,
        uow: UnitOfWork,
        workspace: Workspace,
        user: User,
        claims: list[MessageLogin],
        said: Answer,
        now: datetime,
    ) -> tuple[str, User | None]:
        """What to answer, and the account the sender joins (a link they confirmed)."""
        if len(claims) > 1:
            # Two codes claimed at once (their messages raced): which question a YES answers
            # cannot be told, so neither is confirmed.
            for claim in claims:
                await self._move(
                    uow,
                    workspace,
                    user,
                    claim,
                    claim.refused_by(user.id, now),
                    REFUSE,
                    reason="several waiting",
                )
            return SEVERAL_WAITING, None
        (claim,) = claims
        if said is Answer.NO:
            refused = claim.refused_by(user.id, now)
            if await self._move(uow, workspace, user, claim, refused, REFUSE):
                return REFUSED_NOTICE, None
            return ALREADY_ANSWERED, None
        if claim.purpose is MessageLoginPurpose.LINK:
            return await self._confirm_link(uow, workspace, user, claim, now)
        if await self._move(uow, workspace, user, claim, claim.confirmed_by(user.id, now), CONFIRM):
            return logged_in_notice(workspace.name, claim.device), None
        return ALREADY_ANSWERED, None

    async def _confirm_link(
        self, uow: UnitOfWork, workspace: Workspace, user: User, claim: MessageLogin, now: datetime
    ) -> tuple[str, User | None]:
        """The sender's YES to joining the account: checked again (a role or a number may have
        changed since the question), then confirmed; the caller joins them."""
        account, refusal = await self._link_check(uow, claim, user)
        if account is None or refusal is not None:
            reason = refusal or "the account is gone"
            refused = claim.refused_by(user.id, now)
            if await self._move(uow, workspace, user, claim, refused, LINK_REFUSE, reason=reason):
                return link_refused_notice(reason), None
            return ALREADY_ANSWERED, None
        if await self._move(uow, workspace, user, claim, claim.confirmed_by(user.id, now), LINK):
            return LINKED_NOTICE, account
        return ALREADY_ANSWERED, None

    async def _move(
        self,
        uow: UnitOfWork,
        workspace: Workspace,
        user: User,
        login: MessageLogin,
        after: MessageLogin,
        action: str,
        *,
        reason: str | None = None,
    ) -> bool:
        """Store `after` if `login` is still as read, and audit it; False if a racing change
        came first (then nothing is recorded)."""
        if not await uow.message_logins.replace(login, after):
            return False
        details: dict[str, object] = {"purpose": login.purpose.value, "device": login.device}
        if reason is not None:
            details["reason"] = reason
        if after.state is MessageLoginState.CONFIRMED and login.account_id is not None:
            details["account"] = str(login.account_id)
        await self._auditor.record(
            uow, user.id, action, "message_login", login.id, workspace_id=workspace.id, **details
        )
        return True

    async def _store(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        inbound: Message,
        text: str,
        now: datetime,
    ) -> Message:
        return await store_reply(
            uow, conversation, inbound, text, id=self._auditor.ids.new_id(), at=now
        )

    async def _existing(self, inbound: Message) -> Message | None:
        async with self._uow(read_only=True) as uow:
            return await uow.messages.reply_to(inbound.id)
