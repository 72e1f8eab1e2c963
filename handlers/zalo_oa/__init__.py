"""The Zalo Official Account (OA Open API) channel: a province's verified account, stricter than
the Bot Platform (signed webhooks, rotating tokens, a 7-day window for consultation messages).
Being built: the webhook's signature and events (webhook.py) come first."""
