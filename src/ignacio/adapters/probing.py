"""What every health probe does alike: a time limit, and a failure reported instead of raised.

Shared here, beside the adapter packages and in none of them, so that the packages stay
independent of each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import httpx

from ignacio.domain import HealthCheck

DEFAULT_TIMEOUT_SECONDS = 5.0


async def within_limit(
    name: str, check: Callable[[], Awaitable[HealthCheck]], timeout_seconds: float, what: str
) -> HealthCheck:
    """`check()`, or a failed check named `name` if it takes longer than `timeout_seconds` or
    raises. `what` names the dependency in the reason ("the Graph API").

    Only an error's class is repeated, never its message: messages can carry host names,
    credentials in URLs or a provider's echo of a key.
    """
    try:
        async with asyncio.timeout(timeout_seconds):
            return await check()
    except TimeoutError:
        return HealthCheck.failed(name, f"{what} did not answer within {timeout_seconds:g} s")
    except httpx.HTTPError as error:
        return HealthCheck.failed(name, f"could not reach {what} ({type(error).__name__})")
    except Exception as error:  # a probe reports failures, it does not raise them
        return HealthCheck.failed(name, f"{what} failed ({type(error).__name__})")


def renamed(reason: str, names: Mapping[str, str]) -> str:
    """A probe's reason with the settings it names (`WHATSAPP_ACCESS_TOKEN`) put as `names`
    says, for credentials that came another way than the environment."""
    for setting, name in names.items():
        reason = reason.replace(setting, name)
    return reason
