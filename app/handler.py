"""Lambda entry of the API: Mangum around the same FastAPI app (no logic here)."""

from __future__ import annotations

import gc

# Lambda's init imports about 700 modules and builds the app: objects that live as long as the
# process, which the cyclic collector would otherwise rescan again and again while they are made
# (about a third of the init's CPU). Paused for the init, then frozen, so later collections of
# requests skip them too.
gc.disable()
try:
    from mangum import Mangum

    from app.main import create_app

    handler = Mangum(create_app(), lifespan="off")
finally:
    gc.freeze()
    gc.enable()
