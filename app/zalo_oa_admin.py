"""`baocao zalo-oa authorize --refresh-token TOKEN` and `baocao zalo-oa status`: the first token
pair of a province's Official Account, and whether the bot holds a usable one.

Authorising exchanges the refresh token from the OA's admin page (Zalo's API explorer) for a
pair at once, so a wrong or spent token is found now rather than at the first reminder, and
stores that pair where every worker reads it. No secret is ever printed.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone

from app.cli_text import _
from app.settings import Settings

__all__ = ["authorize", "status"]


async def authorize(args: argparse.Namespace, settings: Settings) -> int:
    from app.database import opened_database
    from handlers.zalo_oa.client import OaClient, OaError, OaUnreachable
    from handlers.zalo_oa.settings import ZaloOaSettings
    from handlers.zalo_oa.tokens import credential_name
    from storage.credentials import SqlCredentials
    from storage.migrate import ensure_current

    oa = ZaloOaSettings()
    if not oa.configured or not oa.app_id or not oa.app_secret:
        print(_("Set ZALO_OA_APP_ID, ZALO_OA_APP_SECRET and ZALO_OA_SECRET_KEY first (README, Configuration)."), file=sys.stderr)
        return 1
    client = OaClient(oa.api_base_url, oa.oauth_base_url, oa.zns_base_url)
    await client.open()
    try:
        pair = await client.refresh(oa.app_id, oa.app_secret, args.refresh_token.strip(), datetime.now(timezone.utc))
    except OaError as error:
        print(_("Zalo refused the refresh token ({code}): copy a fresh one from the Official Account's admin page.").format(code=error.code), file=sys.stderr)
        return 1
    except OaUnreachable:
        print(_("Zalo cannot be reached: check the network, or ZALO_OA_OAUTH_BASE_URL."), file=sys.stderr)
        return 1
    finally:
        await client.close()
    async with opened_database(settings.database_url) as database:
        await ensure_current(database)
        await SqlCredentials(database, lambda: datetime.now(timezone.utc)).store(credential_name(oa.app_id), pair.to_json())
    until = pair.expires_at.astimezone(settings.zone)
    print(_("The Official Account {app_id} is authorised; its access token is renewed by itself from now on (the current one runs until {time}).").format(
        app_id=oa.app_id, time=until.strftime("%H:%M %d/%m/%Y")
    ))
    return 0


async def status(args: argparse.Namespace, settings: Settings) -> int:
    from app.database import opened_database
    from handlers.zalo_oa.client import TokenPair
    from handlers.zalo_oa.settings import ZaloOaSettings
    from handlers.zalo_oa.tokens import credential_name
    from storage.credentials import SqlCredentials
    from storage.migrate import ensure_current

    oa = ZaloOaSettings()
    if not oa.app_id:
        print(_("No Official Account is configured (ZALO_OA_APP_ID)."))
        return 1
    async with opened_database(settings.database_url) as database:
        await ensure_current(database)
        pair = TokenPair.from_json(await SqlCredentials(database, lambda: datetime.now(timezone.utc)).read(credential_name(oa.app_id)))
    if pair is None:
        print(_("The Official Account {app_id} is not authorised: run baocao zalo-oa authorize.").format(app_id=oa.app_id))
        return 1
    until = pair.expires_at.astimezone(settings.zone)
    print(_("The Official Account {app_id} is authorised; the current access token runs until {time}.").format(
        app_id=oa.app_id, time=until.strftime("%H:%M %d/%m/%Y")
    ))
    return 0
