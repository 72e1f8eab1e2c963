"""The officer's turn: which report an input is for and the engine's context for it (choosing.py,
context.py), and /xuatbaocao from an officer; the report itself is bot/reporting/."""
