"""Reminders: the plan turned into dated slots (plan.py), who gets which reminder in what words
(composing.py), and the next way to a person a reminder could not reach (rerouting.py)."""
