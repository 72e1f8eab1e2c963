"""The organisation: the unit tree (units.py), who may see what (access.py), the unit and people
sheets (unit_import.py, people_import.py), invites in bulk (bulk_invites.py) and the snapshot of
the tree and the campaigns a process keeps between turns (snapshot.py)."""
