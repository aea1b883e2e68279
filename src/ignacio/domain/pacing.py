"""How fast one WhatsApp number may write: to one person (the pair rate), and in all (throughput).

Meta's limits (WhatsApp Cloud API documentation: "Throughput" and "Pair rate limits",
https://developers.facebook.com/docs/whatsapp/cloud-api/overview, and the error codes,
https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes):
- a business number may send one person about 1 message every 6 seconds (0.17/s, ~10 a
  minute), with bursts allowed (up to 45 in 6 seconds) that borrow from the quota ahead; past
  it, Meta refuses with 131056 "(Business Account, Consumer Account) pair rate limit hit" and
  suggests waiting 4^X seconds;
- a number sends 80 messages a second by default (more when Meta upgrades it), and refuses with
  130429 "Rate limit hit" (throughput) beyond.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from enum import StrEnum

import msgspec

from ignacio.domain.errors import InvalidInput


class Throttle(StrEnum):
    """Which of the provider's rate limits refused a message: one that passes with time, and is
    waited out rather than counted as a failure."""

    PAIR = "pair"  # too many to this person from this number (Meta's 131056)
    NUMBER = "number"  # the number's throughput (Meta's 130429)


class Pacing(msgspec.Struct, frozen=True, kw_only=True):
    """The spacing of a number's messages, so that the provider does not refuse them.

    - To one person: at most `pair_burst` messages in any `pair_burst * pair_interval` seconds.
      A short answer in a few parts goes out at once; a longer run is spaced to Meta's sustained
      rate, never faster on average, and far from its burst allowance (45).
    - From one number: at most `throughput` messages a second.
    - A refusal for either (131056, 130429) holds back the person, or the whole number, for the
      provider's Retry-After, or `pair_interval` / `number_backoff` seconds when it gives none,
      and the message is tried again then, without counting as a failed attempt: until
      `deadline` after the message was first queued. After it, such refusals count as any
      other, so the retry policy's attempts bound the rest (nothing loops forever).
    - A wait of up to `sleep_up_to` seconds is waited where the sender is; a longer one puts the
      message back on the queue for then.
    """

    pair_interval: float = 6.0
    pair_burst: int = 5
    throughput: int = 80
    deadline: timedelta = timedelta(minutes=10)
    number_backoff: float = 1.0
    sleep_up_to: float = 2.0

    def __post_init__(self) -> None:
        if self.pair_interval < 0 or self.number_backoff < 0 or self.sleep_up_to < 0:
            raise InvalidInput("Pacing intervals cannot be negative.")
        if self.pair_burst < 1 or self.throughput < 1:
            raise InvalidInput("The pair burst and the throughput must be at least 1.")
        if self.deadline <= timedelta(0):
            raise InvalidInput("The pacing deadline must be positive.")

    @property
    def paces_pairs(self) -> bool:
        """Whether messages to one person are spaced at all (an interval of 0 turns it off)."""
        return self.pair_interval > 0

    @property
    def pair_window(self) -> int:
        """The seconds in which at most `pair_burst` messages go to one person (whole seconds,
        as the limiter counts them; rounded up, never faster than asked)."""
        return max(1, math.ceil(self.pair_burst * self.pair_interval))

    def wait_after(self, throttle: Throttle, retry_after: float | None) -> float:
        """How long to hold back after the provider refused for `throttle`: what it asked, and
        at least the pair interval (a person) or the number's back-off (the whole number)."""
        floor = self.pair_interval if throttle is Throttle.PAIR else self.number_backoff
        return max(retry_after or 0.0, floor)

    def waits_out(self, queued_at: datetime, now: datetime) -> bool:
        """Whether a throttled message queued at `queued_at` is still waited for, uncounted."""
        return now - queued_at < self.deadline
