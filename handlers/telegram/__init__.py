"""The Telegram channel for buyers (aiogram 3): a thin adapter over the conversation engine.

Inbound: routers turn updates into `BuyerMessage`s and call `BuyerDesk`; middlewares store each
update in the inbox first (idempotent, crash-safe) and slow down flooding buyers. Outbound:
`TelegramSender` delivers the outbox's replies with pacing, splitting and Telegram's error rules.
"""

TELEGRAM_CHANNEL = "telegram"
