"""The supervisor's desk: see, chase, appraise and send back reports, within scope only.

One small feature per module over one shared turn (desk.py): status, chasing, unit views,
appraisal, people, deadlines, exports. Each module declares its commands and kinds of button
and adds what answers them to the desk's router (registry.py); every module here is imported
with the package, so a new one is found without a line anywhere else. routing.py says which
answers an input. Every command resolves units through the caller's scope; a unit outside it is
answered exactly like one that does not exist.
"""

from __future__ import annotations

import importlib
import pkgutil

from bot.supervision.registry import DESK
from bot.supervision.routing import supervise, wants

__all__ = ["SUPERVISOR_COMMANDS", "supervise", "wants"]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

SUPERVISOR_COMMANDS = DESK.menu()
"""The supervisor's commands, in the order the menus and the help list them."""
