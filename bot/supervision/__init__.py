"""The supervisor's desk: see, chase, appraise and send back reports, within scope only.

One small feature per module over one shared turn (desk.py): status, chasing, unit views,
appraisal, people, deadlines, exports; routing.py says which answers an input. Every command
resolves units through the caller's scope; a unit outside it is answered exactly like one that
does not exist.
"""
