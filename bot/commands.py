"""Chat command names: Vietnamese without diacritics (command menus take only a-z, 0-9 and _)
plus English aliases."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_


@dataclass(frozen=True)
class CommandSpec:
    name: str
    aliases: tuple[str, ...]
    description: str  # an English msgid, translated when the menu is registered
    words: str = ""  # the name as Vietnamese writes it ("xem lại"); typed so, it works too


REPORTER_COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("baocao", ("report",), N_("Start or continue your report"), "báo cáo"),
    CommandSpec("tiendo", ("progress",), N_("Show how much of the report is done"), "tiến độ"),
    CommandSpec("xemlai", ("review",), N_("Review every answer"), "xem lại"),
    CommandSpec("sua", ("edit",), N_("Edit an answer by its number, e.g. /sua 5"), "sửa"),
    CommandSpec("quaylai", ("back",), N_("Go back one step"), "quay lại"),
    CommandSpec("boqua", ("skip",), N_("Skip an optional question"), "bỏ qua"),
    CommandSpec("xong", ("done",), N_("Finish a multi-message answer"), "xong"),
    CommandSpec("nop", ("submit",), N_("Submit the report"), "nộp"),
    CommandSpec("ngonngu", ("language",), N_("Switch between Vietnamese and English"), "ngôn ngữ"),
    CommandSpec("lienket", ("link",), N_("Use the bot from another messenger too"), "liên kết"),
    CommandSpec("trogiup", ("help",), N_("How to use the bot"), "trợ giúp"),
)

SUPERVISOR_COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("tinhhinh", ("status",), N_("Who has reported in your area"), "tình hình"),
    CommandSpec("chuanop", ("missing",), N_("Units that have not submitted yet"), "chưa nộp"),
    CommandSpec("donvi", ("unit",), N_("One unit's report: /donvi NAME or CODE"), "đơn vị"),
    CommandSpec("tieuchi", ("criterion",), N_("How units stand on one criterion: /tieuchi cap-22 5"), "tiêu chí"),
    CommandSpec("duyet", ("approve",), N_("Approve a submitted report: /duyet UNIT"), "duyệt"),
    CommandSpec("tralai", ("return",), N_("Return a report for revision: /tralai UNIT"), "trả lại"),
    CommandSpec("lichsu", ("history",), N_("A unit's report history: /lichsu UNIT"), "lịch sử"),
    CommandSpec("moi", ("invite",), N_("Invite an officer of a unit: /moi UNIT"), "mời"),
    CommandSpec("canbo", ("people",), N_("People linked in your area: /canbo [UNIT]"), "cán bộ"),
    CommandSpec("thuhoi", ("revoke",), N_("Revoke a person's access: /thuhoi NUMBER"), "thu hồi"),
    CommandSpec("nhacnho", ("remind",), N_("Remind every unit that has not submitted, now"), "nhắc nhở"),
    CommandSpec("guitin", ("deliveries",), N_("What reminders were sent, delivered or failed"), "gửi tin"),
)

START = "start"
LINK = "lienket"
REPORT = "baocao"

_CANONICAL = {
    alias: spec.name
    for spec in (*REPORTER_COMMANDS, *SUPERVISOR_COMMANDS)
    for alias in (spec.name, *spec.aliases)
}
_CANONICAL[START] = START


_SPECS = {spec.name: spec for spec in (*REPORTER_COMMANDS, *SUPERVISOR_COMMANDS)}


def spec_of(name: str) -> CommandSpec:
    return _SPECS[name]


def canonical(name: str) -> str | None:
    """The canonical command for a typed name or alias; None when it is not a command we know."""
    return _CANONICAL.get(name.lower())
