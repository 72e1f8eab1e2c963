"""What every feature is handed: the turn (turn.py: the chat and its person, the input already
typed, the state, the reads, the organisation as the process holds it) and the settings the
composition root gives it (settings.py)."""
