"""Login by one-time code: RequestOtp, VerifyOtp, RefreshSession, Logout, Authenticate."""

from __future__ import annotations

import asyncio

import pytest

from ignacio.application.ports import SendFailure
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.logout import LogoutCommand
from ignacio.application.use_cases.refresh_session import RefreshSessionCommand
from ignacio.application.use_cases.request_otp import RequestOtpCommand
from ignacio.application.use_cases.update_user import UpdateUserCommand
from ignacio.application.use_cases.verify_otp import VerifyOtpCommand
from ignacio.domain import (
    AuthenticationFailed,
    CodeExpired,
    InvalidCode,
    InvalidInput,
    IssuedTokens,
    PhoneNumber,
    RateLimited,
    RegistrationPolicy,
    TooManyAttempts,
)
from tests.support.system import System, build_system, settings_for_tests

PHONE = "+34612345678"


def wrong_code(right: str) -> str:
    return f"{(int(right) + 1) % 1_000_000:06d}"


async def test_a_new_number_logs_in_and_becomes_a_member(system: System) -> None:
    result = await system.login(PHONE)

    assert result.is_new_user
    assert str(result.user.phone) == PHONE
    assert not result.user.is_admin
    principal = await system.container.authenticate()(result.tokens.access_token)
    assert principal.user.id == result.user.id


async def test_the_code_is_stored_only_as_a_hash(system: System) -> None:
    await system.container.request_otp()(RequestOtpCommand(phone=PHONE))
    code = await system.code_for(PHONE)

    async with system.container.uow()() as uow:
        challenge = await uow.login_challenges.latest_for(PhoneNumber.parse(PHONE))
    assert challenge is not None
    assert code not in challenge.code_hash


async def test_a_code_works_once(system: System) -> None:
    await system.container.request_otp()(RequestOtpCommand(phone=PHONE))
    code = await system.code_for(PHONE)
    await system.container.verify_otp()(VerifyOtpCommand(phone=PHONE, code=code))

    with pytest.raises(InvalidCode):
        await system.container.verify_otp()(VerifyOtpCommand(phone=PHONE, code=code))


async def test_a_code_expires_after_five_minutes(system: System) -> None:
    await system.container.request_otp()(RequestOtpCommand(phone=PHONE))
    code = await system.code_for(PHONE)
    system.clock.advance(minutes=5)

    with pytest.raises(CodeExpired):
        await system.container.verify_otp()(VerifyOtpCommand(phone=PHONE, code=code))


async def test_five_wrong_codes_lock_the_code_even_for_the_right_one(system: System) -> None:
    await system.container.request_otp()(RequestOtpCommand(phone=PHONE))
    code = await system.code_for(PHONE)
    verify = system.container.verify_otp()

    messages = []
    for _ in range(4):
        with pytest.raises(InvalidCode) as error:
            await verify(VerifyOtpCommand(phone=PHONE, code=wrong_code(code)))
        messages.append(error.value.message)
    with pytest.raises(TooManyAttempts):
        await verify(VerifyOtpCommand(phone=PHONE, code=wrong_code(code)))
    with pytest.raises(TooManyAttempts):
        await verify(VerifyOtpCommand(phone=PHONE, code=code))
    assert messages[0].endswith("4 attempts left.")
    assert messages[-1].endswith("1 attempt left.")


async def test_a_new_code_retires_the_previous_one(system: System) -> None:
    request = system.container.request_otp()
    await request(RequestOtpCommand(phone=PHONE))
    first = await system.code_for(PHONE)
    await request(RequestOtpCommand(phone=PHONE))
    second = await system.code_for(PHONE)

    if first != second:
        with pytest.raises(InvalidCode):
            await system.container.verify_otp()(VerifyOtpCommand(phone=PHONE, code=first))
    result = await system.container.verify_otp()(VerifyOtpCommand(phone=PHONE, code=second))
    assert str(result.user.phone) == PHONE


async def test_no_code_requested_is_an_invalid_code(system: System) -> None:
    with pytest.raises(InvalidCode):
        await system.container.verify_otp()(VerifyOtpCommand(phone=PHONE, code="123456"))


async def test_malformed_input_is_invalid_input(system: System) -> None:
    with pytest.raises(InvalidInput):
        await system.container.request_otp()(RequestOtpCommand(phone="not a number"))
    with pytest.raises(InvalidInput):
        await system.container.verify_otp()(VerifyOtpCommand(phone=PHONE, code="12ab"))


async def test_requests_are_limited_per_number() -> None:
    system = build_system(settings_for_tests(IGNACIO_OTP_REQUESTS_PER_PHONE=3))
    request = system.container.request_otp()
    for _ in range(3):
        await request(RequestOtpCommand(phone=PHONE))
        await system.settle()
    with pytest.raises(RateLimited) as error:
        await request(RequestOtpCommand(phone=PHONE))
    assert error.value.retry_after > 0
    await system.settle()
    assert len(system.channel.codes_to(PHONE)) == 3


async def test_requests_are_limited_per_client_address() -> None:
    system = build_system(settings_for_tests(IGNACIO_OTP_REQUESTS_PER_CLIENT=2))
    request = system.container.request_otp()
    await request(RequestOtpCommand(phone="+34612345671", client_address="10.0.0.9"))
    await request(RequestOtpCommand(phone="+34612345672", client_address="10.0.0.9"))
    with pytest.raises(RateLimited):
        await request(RequestOtpCommand(phone="+34612345673", client_address="10.0.0.9"))
    await request(RequestOtpCommand(phone="+34612345673", client_address="10.0.0.10"))


async def test_invite_only_sends_no_code_to_strangers_but_answers_the_same() -> None:
    system = build_system(settings_for_tests(IGNACIO_REGISTRATION=RegistrationPolicy.INVITE))
    request = system.container.request_otp()
    stranger = await request(RequestOtpCommand(phone=PHONE))
    await system.container.create_user()(None, CreateUserCommand(phone="+34612345679"))
    invited = await request(RequestOtpCommand(phone="+34612345679"))
    await system.settle()

    assert system.channel.codes_to(PHONE) == []
    assert len(system.channel.codes_to("+34612345679")) == 1
    assert stranger.expires_in_seconds == invited.expires_in_seconds
    with pytest.raises(InvalidCode):
        await system.container.verify_otp()(VerifyOtpCommand(phone=PHONE, code="000000"))


async def test_the_answer_comes_before_the_number_is_looked_up_or_a_code_is_drawn(
    system: System,
) -> None:
    await system.container.request_otp()(RequestOtpCommand(phone=PHONE))

    assert system.channel.codes == []
    async with system.container.uow()() as uow:
        waiting = await uow.login_challenges.latest_for(PhoneNumber.parse(PHONE))
    assert waiting is not None
    assert waiting.code_hash is None
    with pytest.raises(InvalidCode, match="not valid"):
        await system.container.verify_otp()(VerifyOtpCommand(phone=PHONE, code="123456"))
    code = await system.code_for(PHONE)
    assert (await system.container.verify_otp()(VerifyOtpCommand(phone=PHONE, code=code))).user


async def test_under_invite_a_wrong_code_gets_the_same_answer_for_any_number() -> None:
    system = build_system(settings_for_tests(IGNACIO_REGISTRATION=RegistrationPolicy.INVITE))
    member = "+34612345679"
    await system.container.create_user()(None, CreateUserCommand(phone=member))
    request, verify = system.container.request_otp(), system.container.verify_otp()
    for number in (PHONE, member):
        await request(RequestOtpCommand(phone=number))
    await system.settle()
    assert system.channel.codes_to(PHONE) == []
    wrong = wrong_code(system.channel.last_code(member))

    answers = []
    for number in (PHONE, member):
        with pytest.raises(InvalidCode) as error:
            await verify(VerifyOtpCommand(phone=number, code=wrong))
        answers.append(error.value.message)

    assert answers == ["That code is wrong. 4 attempts left."] * 2


async def test_whatsapp_refusing_the_code_is_no_error_and_the_person_may_ask_again(
    system: System,
) -> None:
    system.channel.code_failures.append(SendFailure("Recipient not on WhatsApp", retriable=False))

    result = await system.container.request_otp()(RequestOtpCommand(phone=PHONE))
    await system.settle()

    assert result.phone.e164 == PHONE
    assert system.channel.codes_to(PHONE) == []
    await system.login(PHONE)


async def test_a_requested_code_is_drawn_and_sent_once_however_often_its_job_runs(
    system: System,
) -> None:
    await system.container.request_otp()(RequestOtpCommand(phone=PHONE))
    await system.settle()
    async with system.container.uow()() as uow:
        challenge = await uow.login_challenges.latest_for(PhoneNumber.parse(PHONE))
    assert challenge is not None

    for _ in range(3):
        await system.container.send_login_code()(challenge.id)

    assert len(system.channel.codes_to(PHONE)) == 1
    async with system.container.uow()() as uow:
        assert await uow.login_challenges.get(challenge.id) == challenge


async def test_a_code_retired_before_its_job_ran_is_never_sent(system: System) -> None:
    request = system.container.request_otp()
    await request(RequestOtpCommand(phone=PHONE))
    await request(RequestOtpCommand(phone=PHONE))
    await system.settle()

    assert len(system.channel.codes_to(PHONE)) == 1
    code = system.channel.last_code(PHONE)
    assert (await system.container.verify_otp()(VerifyOtpCommand(phone=PHONE, code=code))).user


async def test_a_deactivated_member_gets_no_code_and_loses_their_sessions(system: System) -> None:
    admin = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", is_admin=True)
    )
    member = await system.login(PHONE)
    await system.container.update_user()(admin, member.user.id, UpdateUserCommand(is_active=False))

    with pytest.raises(AuthenticationFailed):
        await system.container.authenticate()(member.tokens.access_token)
    with pytest.raises(AuthenticationFailed):
        await system.container.refresh_session()(
            RefreshSessionCommand(refresh_token=member.tokens.refresh_token)
        )
    codes_before = len(system.channel.codes)
    await system.container.request_otp()(RequestOtpCommand(phone=PHONE))
    await system.settle()
    assert len(system.channel.codes) == codes_before


async def test_refresh_rotates_and_each_refresh_token_works_once(system: System) -> None:
    login = await system.login(PHONE)
    refresh = system.container.refresh_session()
    system.clock.advance(minutes=1)

    renewed = await refresh(RefreshSessionCommand(refresh_token=login.tokens.refresh_token))

    assert renewed.refresh_token != login.tokens.refresh_token
    assert renewed.access_expires_at > login.tokens.access_expires_at
    again = await refresh(RefreshSessionCommand(refresh_token=renewed.refresh_token))
    assert again.refresh_token != renewed.refresh_token
    with pytest.raises(AuthenticationFailed):
        await refresh(RefreshSessionCommand(refresh_token=login.tokens.refresh_token))


async def test_a_rotated_out_refresh_token_presented_again_ends_the_session(
    system: System,
) -> None:
    login = await system.login(PHONE)
    refresh = system.container.refresh_session()
    authenticate = system.container.authenticate()
    first = await refresh(RefreshSessionCommand(refresh_token=login.tokens.refresh_token))
    second = await refresh(RefreshSessionCommand(refresh_token=first.refresh_token))
    # Read while genuine: the adapter remembers the token, the session check still runs.
    await authenticate(second.access_token)

    with pytest.raises(AuthenticationFailed):
        await refresh(RefreshSessionCommand(refresh_token=login.tokens.refresh_token))

    with pytest.raises(AuthenticationFailed):
        await refresh(RefreshSessionCommand(refresh_token=second.refresh_token))
    with pytest.raises(AuthenticationFailed):
        await authenticate(second.access_token)


async def test_two_refreshes_with_one_token_at_once_end_the_session(system: System) -> None:
    login = await system.login(PHONE)
    refresh = system.container.refresh_session()
    command = RefreshSessionCommand(refresh_token=login.tokens.refresh_token)

    outcomes = await asyncio.gather(refresh(command), refresh(command), return_exceptions=True)

    winners = [tokens for tokens in outcomes if isinstance(tokens, IssuedTokens)]
    assert len(winners) == 1
    assert isinstance(next(o for o in outcomes if o is not winners[0]), AuthenticationFailed)
    with pytest.raises(AuthenticationFailed):
        await refresh(RefreshSessionCommand(refresh_token=winners[0].refresh_token))
    with pytest.raises(AuthenticationFailed):
        await system.container.authenticate()(winners[0].access_token)


async def test_access_tokens_expire(system: System) -> None:
    login = await system.login(PHONE)
    # Read once while valid (the adapter remembers genuine tokens): expiry still holds after.
    await system.container.authenticate()(login.tokens.access_token)
    system.clock.advance(minutes=15)
    with pytest.raises(AuthenticationFailed, match="expired"):
        await system.container.authenticate()(login.tokens.access_token)


async def test_refresh_tokens_expire(system: System) -> None:
    login = await system.login(PHONE)
    system.clock.advance(days=31)
    with pytest.raises(AuthenticationFailed):
        await system.container.refresh_session()(
            RefreshSessionCommand(refresh_token=login.tokens.refresh_token)
        )


async def test_logout_ends_the_session_at_once(system: System) -> None:
    login = await system.login(PHONE)
    principal = await system.container.authenticate()(login.tokens.access_token)
    await system.container.logout()(
        LogoutCommand(user_id=principal.user.id, session_id=principal.session_id)
    )

    with pytest.raises(AuthenticationFailed):
        await system.container.authenticate()(login.tokens.access_token)
    with pytest.raises(AuthenticationFailed):
        await system.container.refresh_session()(
            RefreshSessionCommand(refresh_token=login.tokens.refresh_token)
        )


async def test_logout_from_all_devices(system: System) -> None:
    phone_login = await system.login(PHONE)
    laptop_login = await system.login(PHONE)
    principal = await system.container.authenticate()(laptop_login.tokens.access_token)

    result = await system.container.logout()(
        LogoutCommand(user_id=principal.user.id, session_id=principal.session_id, all_devices=True)
    )

    assert result.sessions_ended == 2
    with pytest.raises(AuthenticationFailed):
        await system.container.authenticate()(phone_login.tokens.access_token)


async def test_forged_tokens_are_refused(system: System) -> None:
    login = await system.login(PHONE)
    header, payload, signature = login.tokens.access_token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}AA"
    await system.container.authenticate()(login.tokens.access_token)
    for token in [tampered, "not-a-jwt", "", login.tokens.refresh_token]:
        with pytest.raises(AuthenticationFailed):
            await system.container.authenticate()(token)
