"""What goes out and what limits it: how long an outbox message is worth sending (lifetimes.py),
what the administrators must be told (alerts.py), the platforms' monthly quotas (usage.py) and a
campaign's cost in messages (campaign_cost.py)."""
