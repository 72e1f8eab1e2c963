"""The command table: every command's name (Vietnamese without diacritics: command menus take
only a-z, 0-9 and _), its English alias, its description and its Vietnamese words. The engine,
the service and the supervisor's features dispatch on these entries, never on literals."""

from __future__ import annotations

from dataclasses import dataclass

from bot.base.i18n import N_

__all__ = [
    "REPORTER_COMMANDS",
    "SUPERVISOR_COMMANDS",
    "CommandSpec",
    "canonical",
    "spec_of",
]


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

STATUS = CommandSpec("tinhhinh", ("status",), N_("Who has reported in your area: /tinhhinh [CAMPAIGN]"), "tình hình")
MISSING = CommandSpec("chuanop", ("missing",), N_("Units that have not submitted yet: /chuanop [CAMPAIGN]"), "chưa nộp")
UNIT = CommandSpec("donvi", ("unit",), N_("One unit's report: /donvi UNIT [CAMPAIGN]"), "đơn vị")
CRITERION = CommandSpec("tieuchi", ("criterion",), N_("How units stand on one criterion: /tieuchi 22 5 [CAMPAIGN]"), "tiêu chí")
APPROVE = CommandSpec("duyet", ("approve",), N_("Approve a submitted report: /duyet UNIT [CAMPAIGN]"), "duyệt")
RETURN = CommandSpec("tralai", ("return",), N_("Return or reopen a report for revision: /tralai UNIT [CAMPAIGN]"), "trả lại")
HISTORY = CommandSpec("lichsu", ("history",), N_("A unit's report history: /lichsu UNIT [CAMPAIGN]"), "lịch sử")
INVITE = CommandSpec("moi", ("invite",), N_("Invite an officer of a unit: /moi UNIT, or every unit: /moi tất cả"), "mời")
PEOPLE = CommandSpec("canbo", ("people",), N_("People linked in your area: /canbo [UNIT]"), "cán bộ")
REVOKE = CommandSpec("thuhoi", ("revoke",), N_("Revoke a person's access: /thuhoi NUMBER"), "thu hồi")
REMIND = CommandSpec("nhacnho", ("remind",), N_("Remind every unit that has not submitted, now"), "nhắc nhở")
EXPORT_REPORT = CommandSpec(
    "xuatbaocao", ("export",), N_("The report as a Word document to sign and file (a supervisor: /xuatbaocao UNIT)"), "xuất báo cáo"
)
EXPORT_WORKBOOK = CommandSpec("xuatexcel", ("excel",), N_("The area's reports as an Excel workbook"), "xuất excel")
CHART = CommandSpec("bieudo", ("chart",), N_("A chart of how far each unit of the area has got"), "biểu đồ")
EXTEND = CommandSpec("giahan", ("extend",), N_("Extend one unit's deadline, e.g. /giahan Nghi Hải 05/12/2023"), "gia hạn")
DELIVERIES = CommandSpec("guitin", ("deliveries",), N_("What reminders were sent, delivered or failed"), "gửi tin")

START = CommandSpec("start", (), "")
"""A messenger's first contact: a deep link or the first press of “Start”, with an invite code or not."""

REPORTER_COMMANDS: tuple[CommandSpec, ...] = (
    REPORT, PROGRESS, REVIEW, EDIT, BACK, SKIP, DONE, SUBMIT, EXPORT_REPORT, LANGUAGE, LINK, HELP,
)  # fmt: skip
SUPERVISOR_COMMANDS: tuple[CommandSpec, ...] = (
    STATUS, MISSING, UNIT, CRITERION, APPROVE, RETURN, HISTORY, INVITE, PEOPLE, REVOKE, REMIND, EXTEND, DELIVERIES,
    EXPORT_WORKBOOK, CHART,
)  # fmt: skip

_BY_NAME = {
    alias: spec for spec in (*REPORTER_COMMANDS, *SUPERVISOR_COMMANDS, START) for alias in (spec.name, *spec.aliases)
}


def canonical(name: str) -> CommandSpec | None:
    """The command a typed name or alias stands for; None when it is not one we know."""
    return _BY_NAME.get(name.lower())


def spec_of(name: str) -> CommandSpec:
    spec = canonical(name)
    if spec is None:
        raise KeyError(name)
    return spec
