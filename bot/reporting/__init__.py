"""The officer's report: the engine (engine.py) over one turn (turn.py), answering by question kind
(answering.py), what each step shows (screens.py, prompts.py), the report as the engine sees it
(report.py), criteria counts and who has reported (criteria_counts.py, standing.py), and what an
officer is told when no report is open (no_report.py)."""
