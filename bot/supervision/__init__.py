"""The supervisor's desk: see, chase, appraise and send back reports, within scope only.

One small feature per module over one shared turn (desk.py): status, chasing, unit views,
appraisal, people; routing.py says which answers an input. Every command resolves units through
the caller's scope; a unit outside it is answered exactly like one that does not exist.
"""

from __future__ import annotations

from bot.supervision.desk import Desk, DeskSettings
from bot.supervision.routing import handle, refusal, wants

__all__ = ["Desk", "DeskSettings", "handle", "refusal", "wants"]
