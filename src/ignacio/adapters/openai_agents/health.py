"""The model's health probe: does the OpenAI-compatible server take the key and know the model.

`GET {base}/models/{model}` is authenticated, costs no tokens and names the model; a server
that does not serve that route (some compatible servers list models only) is asked for
`GET {base}/models` and the model looked for in the list.
"""

from __future__ import annotations

import openai

from ignacio.adapters.probing import DEFAULT_TIMEOUT_SECONDS, within_limit
from ignacio.domain import CheckName, HealthCheck


class ModelProbe:
    """One or two requests through the assistant's own client, with no retries (a health
    check reports, it does not insist). Reasons name the setting to check (OPENAI_API_KEY,
    IGNACIO_AI_MODEL, IGNACIO_AI_BASE_URL), never the key or the server's address."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._client = client.with_options(timeout=timeout_seconds, max_retries=0)
        self._model = model
        self._timeout = timeout_seconds

    def __repr__(self) -> str:
        return f"ModelProbe({self._model!r})"

    async def check(self) -> HealthCheck:
        return await within_limit(CheckName.MODEL, self._look, self._timeout, "the model server")

    async def _look(self) -> HealthCheck:
        try:
            try:
                await self._client.models.retrieve(self._model)
            except openai.NotFoundError:
                if not await self._listed():
                    return self._failed(
                        f"the model server has no model {self._model!r}: check IGNACIO_AI_MODEL"
                    )
        except openai.AuthenticationError:
            return self._failed(
                "the model server refused the API key (HTTP 401): check OPENAI_API_KEY"
            )
        except openai.PermissionDeniedError:
            return self._failed(
                f"the API key may not use the model {self._model!r} (HTTP 403): check the "
                "key's project and permissions, or IGNACIO_AI_MODEL"
            )
        except openai.RateLimitError:
            return self._failed(
                "the model server is limiting requests or the account is out of credit "
                "(HTTP 429): check the account's usage and billing"
            )
        except openai.APITimeoutError:
            return self._failed(f"the model server did not answer within {self._timeout:g} s")
        except openai.APIConnectionError as error:
            return self._failed(
                f"could not reach the model server ({type(error.__cause__ or error).__name__}): "
                "check IGNACIO_AI_BASE_URL"
            )
        except openai.APIStatusError as error:
            return self._failed(
                f"the model server answered HTTP {error.status_code}"
                + ("; try again later" if error.status_code >= 500 else "")
            )
        return HealthCheck.passed(CheckName.MODEL, f"ok ({self._model})")

    async def _listed(self) -> bool:
        """Whether the server's list of models holds ours (no, when it has no list either)."""
        try:
            page = await self._client.models.list()
        except openai.NotFoundError:
            return False
        return any(model.id == self._model for model in page.data)

    def _failed(self, reason: str) -> HealthCheck:
        return HealthCheck.failed(CheckName.MODEL, reason)
