"""The organisation: the unit tree (units.py), who may see what (access.py), the unit and people
sheets (unit_import.py, people_import.py) and invites in bulk (bulk_invites.py)."""
