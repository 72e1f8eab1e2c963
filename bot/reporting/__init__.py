"""The officer's report: the officer's turn (choosing.py: which report an input is for, made the
engine's context by context.py), the engine (engine.py) over one report turn (turn.py), answering
by question kind (answering.py), what each step shows (screens.py, prompts.py), the engine's
view of a report (report.py), criteria counts and who has reported
(criteria_counts.py, standing.py), and what an officer is told when no report is open
(no_report.py)."""
