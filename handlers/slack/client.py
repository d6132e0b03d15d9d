"""The Slack Web API client: base URL from config, and 429 / 5xx / connection retries installed."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackSettings


def slack_client(settings: SlackSettings, *, timeout: int = 10) -> AsyncWebClient:
    """slack_sdk retries a 429 only when the rate-limit handler is installed: it waits Retry-After once;
    a second 429 surfaces as an error that the outbox turns into RetryLater(Retry-After)."""
    if settings.bot_token is None:
        raise ValueError("Slack is not configured: set [slack] bot_token")
    base_url = settings.api_base_url if settings.api_base_url.endswith("/") else settings.api_base_url + "/"
    client = AsyncWebClient(token=settings.bot_token.get_secret_value(), base_url=base_url, timeout=timeout)
    client.retry_handlers.extend(
        [
            AsyncRateLimitErrorRetryHandler(max_retry_count=1),
            AsyncServerErrorRetryHandler(max_retry_count=1),
        ]
    )
    if not any(isinstance(h, AsyncConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(AsyncConnectionErrorRetryHandler())
    return client
