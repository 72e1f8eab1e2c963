"""Documents as data (model.py): a unit's official report (unit_report.py), a scope's compiled
summary (scope_summary.py), the workbook (workbook.py), the progress chart (chart.py), who issues
and signs them, every word settled (issuer.py), what goes out with each file (exports.py), and
the port that lays them out as files (port.py)."""
