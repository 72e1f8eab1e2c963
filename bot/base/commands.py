"""The command table: every command's name (Vietnamese without diacritics: command menus take
only a-z, 0-9 and _), its English alias, its description and its Vietnamese words. The officer's
and everyone's commands are here; a supervisor's command is declared in the module of
bot/supervision/ that answers it and added to the table there (`register`). Features dispatch
on these entries, never on literals."""

from __future__ import annotations

from dataclasses import dataclass

from bot.base.i18n import N_

__all__ = ["REPORTER_COMMANDS", "CommandSpec", "canonical", "register", "spec_of"]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    aliases: tuple[str, ...]
    description: str  # an English msgid, translated when the menu is registered
    words: str = ""  # the name as Vietnamese writes it ("xem lại"); typed so, it works too


REPORT = CommandSpec("baocao", ("report",), N_("Start or continue your report"), "báo cáo")
PROGRESS = CommandSpec("tiendo", ("progress",), N_("Show how much of the report is done"), "tiến độ")
REVIEW = CommandSpec("xemlai", ("review",), N_("Review every answer"), "xem lại")
EDIT = CommandSpec("sua", ("edit",), N_("Edit an answer by its number, e.g. /sua 5"), "sửa")
BACK = CommandSpec("quaylai", ("back",), N_("Go back one step"), "quay lại")
SKIP = CommandSpec("boqua", ("skip",), N_("Skip an optional question"), "bỏ qua")
DONE = CommandSpec("xong", ("done",), N_("Save a text sent in several pieces, or a set of files"), "xong")
SUBMIT = CommandSpec("nop", ("submit",), N_("Submit the report"), "nộp")
LANGUAGE = CommandSpec("ngonngu", ("language",), N_("Switch between Vietnamese and English"), "ngôn ngữ")
LINK = CommandSpec("lienket", ("link",), N_("Use the bot from another messenger too"), "liên kết")
HELP = CommandSpec("trogiup", ("help",), N_("How to use the bot"), "trợ giúp")
EXPORT_REPORT = CommandSpec(
    "xuatbaocao", ("export",), N_("The report as a Word document to sign and file (a supervisor: /xuatbaocao UNIT)"), "xuất báo cáo"
)

START = CommandSpec("start", (), "")
"""A messenger's first contact: a deep link or the first press of “Start”, with an invite code or not."""

REPORTER_COMMANDS: tuple[CommandSpec, ...] = (
    REPORT, PROGRESS, REVIEW, EDIT, BACK, SKIP, DONE, SUBMIT, EXPORT_REPORT, LANGUAGE, LINK, HELP,
)  # fmt: skip

_BY_NAME: dict[str, CommandSpec] = {}


def register(spec: CommandSpec) -> None:
    """Adds a command to the table, by its name and aliases; a name stands for one command only."""
    for name in (spec.name, *spec.aliases):
        if _BY_NAME.setdefault(name, spec) is not spec:
            raise ValueError(f"/{name} is declared twice")


for _spec in (*REPORTER_COMMANDS, START):
    register(_spec)


def canonical(name: str) -> CommandSpec | None:
    """The command a typed name or alias stands for; None when it is not one we know."""
    return _BY_NAME.get(name.lower())


def spec_of(name: str) -> CommandSpec:
    spec = canonical(name)
    if spec is None:
        raise KeyError(name)
    return spec
