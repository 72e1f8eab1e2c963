"""What went wrong in a `baocao` command, as one line a province's administrator can act on, in
their language: what to run, which setting or file to fix. The traceback is for the log
(--verbose)."""

from __future__ import annotations

from pydantic import ValidationError

from app.cli_text import _
from app.settings import SettingError
from bot.catalog.model import CatalogError

__all__ = ["problem"]


def problem(error: Exception) -> str:
    """The one line that says `error`; the layers it may come from are imported only now, so a
    command that went well never loads them for this."""
    from app.database import DatabaseFolderMissing, DatabaseUnreachable
    from app.runtime import ChannelStartError
    from handlers.channel import StartError
    from storage.migrate import DatabaseNotReady

    if isinstance(error, DatabaseNotReady):
        if error.current is None:
            return _("The database has not been created yet: run `baocao db upgrade` first.")
        return _("The database is older than this version of baocao: run `baocao db upgrade` first.")
    if isinstance(error, DatabaseFolderMissing):
        return _("There is no folder {folder} for the database: create it, or correct BAOCAO_DATABASE_URL.").format(folder=error.folder)
    if isinstance(error, DatabaseUnreachable):
        return _("Cannot open the database {url}: check that it is running and BAOCAO_DATABASE_URL (--verbose says why).").format(url=error.url)
    if isinstance(error, ValidationError | SettingError):
        name, value = setting_of(error)
        return _("The setting {name} is not valid (“{value}”); see README, Configuration.").format(name=name, value=value)
    if isinstance(error, ChannelStartError):
        reason = error.reason.text(_) if isinstance(error.reason, StartError) else str(error.reason)
        return _("Could not start {channel}: {reason}").format(channel=error.channel, reason=reason)
    if isinstance(error, CatalogError):
        return _("Invalid data: {error}").format(error=error.text(_))
    if isinstance(error, OSError) and error.filename is not None:
        return file_problem(error)
    return _("Unexpected error ({kind}: {error}); run again with --verbose for the details.").format(kind=type(error).__name__, error=error)


def setting_of(error: ValidationError | SettingError) -> tuple[str, str]:
    """The environment variable at fault and the value it holds."""
    if isinstance(error, SettingError):
        return error.name, error.value
    first = error.errors()[0]
    return ".".join(str(part) for part in first["loc"]), str(first.get("input", ""))


def file_problem(error: OSError) -> str:
    path = str(error.filename)
    if isinstance(error, FileNotFoundError):
        return _("There is no file or folder {path}.").format(path=path)
    if isinstance(error, PermissionError):
        return _("Permission denied: {path}.").format(path=path)
    if isinstance(error, IsADirectoryError):
        return _("{path} is a folder, not a file.").format(path=path)
    return _("Cannot use {path}: {reason}").format(path=path, reason=error.strerror or error)
