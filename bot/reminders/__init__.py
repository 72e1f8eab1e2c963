"""Reminders: a campaign's reminder plan (bot.base.deadline) turned into dated slots (plan.py), who
gets which reminder in what words (composing.py), and the next way to a person a reminder could
not reach (rerouting.py)."""
