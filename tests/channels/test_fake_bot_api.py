"""The fake Bot API behaves like Telegram as far as the real python-telegram-bot can tell."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from harness.fakes import FakeBotApi

pytestmark = pytest.mark.usefixtures("ptb_timedelta")

TOKEN = "123456:TEST-token"


class StepClock:
    """A server clock the test moves by hand, to cross flood windows without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with bot_for(api) as client:
        yield client


def bot_for(api: FakeBotApi, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=api.base_url, base_file_url=api.base_file_url)


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


async def test_get_me_describes_the_bot(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username) == (123456, True, "fake_test_bot")
    assert me.can_join_groups is True
    assert me.supports_inline_queries is False
    assert api.requests[-1].method == "getMe"
    assert api.requests[-1].status == 200


async def test_wrong_token_and_unknown_method_are_refused(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(InvalidToken):
        async with bot_for(api, token="999:WRONG"):
            pass
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")

    assert [(r.method, r.status) for r in api.requests[-2:]] == [
        ("getMe", 401),
        ("noSuchMethod", 404),
    ]


async def test_application_handles_start_and_button_press(api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        menu = keyboard([("Có", "yes"), ("Không", "no")])
        await update.message.reply_text("Chọn", reply_markup=menu)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Đã ghi")
        await query.edit_message_text(f"Bạn chọn: {query.data}")

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    user = api.user(42, first_name="Lan")

    updater = application.updater
    assert updater is not None

    async with application:
        await application.start()
        await updater.start_polling(poll_interval=0, timeout=1)
        try:
            user.send_command("start")
            menu = await user.wait_for_message()
            assert menu["text"] == "Chọn"
            assert user.last_keyboard_buttons() == ["Có", "Không"]

            user.press("Có")
            await user.wait_until_idle()
        finally:
            await updater.stop()
            await application.stop()

    assert menu["text"] == "Bạn chọn: yes"
    assert "reply_markup" not in menu  # editing text without a keyboard removes it
    assert [answer["text"] for answer in user.callback_answers] == ["Đã ghi"]
    assert api.pending_updates == 0


async def test_press_finds_buttons_by_text_or_data_on_newest_or_older_message(
    api: FakeBotApi, bot: Bot
) -> None:
    user = api.user(5)
    old = await bot.send_message(5, "cũ", reply_markup=keyboard([("A", "old:a")]))
    await bot.send_message(5, "mới", reply_markup=keyboard([("B", "new:b")]))

    by_text = user.press("B")
    by_data = user.press("new:b")
    on_older = user.press_on(old.message_id, "A")
    with pytest.raises(LookupError, match="no callback button 'A'"):
        user.press("A")

    updates = await bot.get_updates()
    queries = [query for update in updates if (query := update.callback_query)]
    assert [u.update_id for u in updates] == [by_text, by_data, on_older]
    assert [query.data for query in queries] == ["new:b", "new:b", "old:a"]
    assert [query.message.message_id for query in queries if query.message] == [2, 2, 1]


async def test_text_over_4096_characters_is_rejected(api: FakeBotApi, bot: Bot) -> None:
    user = api.user(1)

    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1, "a" * 4097)
    await bot.send_message(1, "a" * 4096)
    await bot.send_message(1, "<b>" + "b" * 4096 + "</b>", parse_mode="HTML")

    assert [len(message["text"]) for message in user.messages] == [4096, 4096]


async def test_malformed_markup_is_rejected_like_telegram(api: FakeBotApi, bot: Bot) -> None:
    user = api.user(1)

    with pytest.raises(BadRequest, match=r'(?i)Unsupported start tag "br"'):
        await bot.send_message(1, "một<br>hai", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(1, "Xong.", parse_mode="MarkdownV2")
    await bot.send_message(1, "*Xong*\\. 1 &lt; 2", parse_mode="MarkdownV2")

    assert [message["text"] for message in user.messages] == ["Xong. 1 &lt; 2"]


async def test_invalid_inline_keyboards_are_rejected(api: FakeBotApi, bot: Bot) -> None:
    user = api.user(1)

    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(1, "x", reply_markup=keyboard([("A", "a" * 65)]))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):  # 22 characters, 66 bytes
        await bot.send_message(1, "x", reply_markup=keyboard([("A", "ễ" * 22)]))
    with pytest.raises(BadRequest, match=r"(?i)too many buttons in a row"):
        await bot.send_message(1, "x", reply_markup=keyboard([(str(i), str(i)) for i in range(9)]))
    await bot.send_message(1, "ok", reply_markup=keyboard([("A", "a" * 64)]))

    assert [message["text"] for message in user.messages] == ["ok"]


async def test_edits_apply_and_identical_edits_are_not_modified(api: FakeBotApi, bot: Bot) -> None:
    user = api.user(1)
    markup = keyboard([("A", "a")])
    sent = await bot.send_message(1, "trước", reply_markup=markup)

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(1, sent.message_id, reply_markup=markup)
    edited = await bot.edit_message_text("sau", 1, sent.message_id, reply_markup=markup)

    assert isinstance(edited, Message)
    assert edited.text == "sau"
    assert edited.edit_date is not None
    (shown,) = user.messages
    assert (shown["text"], shown["reply_markup"]) == ("sau", markup.to_dict())
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", 1, 999)


async def test_injected_faults_surface_as_ptb_errors(api: FakeBotApi, bot: Bot) -> None:
    user = api.user(1)
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    api.fail_next("sendMessage", 500, "Internal Server Error")

    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(1, "một")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(1, "hai")
    await bot.send_message(1, "ba")

    assert refused.value.retry_after == dt.timedelta(seconds=7)
    assert [m["text"] for m in user.messages] == ["ba"]
    assert [r.status for r in api.requests if r.method == "sendMessage"] == [429, 500, 200]


async def test_blocked_and_never_started_users_are_forbidden(api: FakeBotApi, bot: Bot) -> None:
    blocker, stranger = api.user(1), api.user(2)
    api.block(1)
    api.never_started(2)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1, "x")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(2, "x")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(3, "x")

    stranger.send_command("start")  # writing to the bot starts the chat
    await bot.send_message(2, "chào")
    assert blocker.messages == []
    assert [m["text"] for m in stranger.messages] == ["chào"]


async def test_flood_limits_refuse_bursts_and_admit_paced_sends() -> None:
    clock = StepClock()
    async with FakeBotApi(token=TOKEN, global_rate=3, per_chat_rate=1.0, clock=clock) as api:
        users = [api.user(chat_id) for chat_id in (1, 2, 3, 4)]
        async with bot_for(api) as bot:
            await bot.send_message(1, "một")
            with pytest.raises(RetryAfter) as per_chat:
                await bot.send_message(1, "một nữa")
            await bot.send_message(2, "hai")
            await bot.send_message(3, "ba")
            with pytest.raises(RetryAfter) as overall:
                await bot.send_message(4, "bốn")
            await bot.get_updates()  # not a send: never limited

            one_second = dt.timedelta(seconds=1)
            assert per_chat.value.retry_after == overall.value.retry_after == one_second
            assert api.violations == 2
            assert [len(user.messages) for user in users] == [1, 1, 1, 0]

            for second in range(3):
                clock.now += 1.0
                for chat_id in (1, 2, 4):
                    await bot.send_message(chat_id, f"giây {second}")

    assert api.violations == 2
    assert [len(user.messages) for user in users] == [4, 4, 1, 3]


async def test_offset_confirms_updates_and_long_polling_waits(api: FakeBotApi, bot: Bot) -> None:
    user = api.user(7)
    ids = [user.send_text(text) for text in ("một", "hai", "ba")]

    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates(limit=1)] == ids[:1]  # unconfirmed
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert (api.confirmed_offset, api.pending_updates) == (ids[1], 2)
    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert api.pending_updates == 0

    poll = asyncio.create_task(bot.get_updates(offset=ids[2] + 1, timeout=5))
    await asyncio.sleep(0.05)  # let the poll reach the server and wait there
    late = user.send_text("bốn")
    assert [u.update_id for u in await asyncio.wait_for(poll, 1)] == [late]

    started = time.monotonic()
    assert await bot.get_updates(offset=late + 1, timeout=dt.timedelta(seconds=0.1)) == ()
    assert time.monotonic() - started >= 0.1


async def test_redeliver_hands_out_the_same_update_again(api: FakeBotApi, bot: Bot) -> None:
    user = api.user(7)
    update_id = user.send_text("một lần")
    await bot.get_updates()
    assert await bot.get_updates(offset=update_id + 1) == ()

    api.redeliver(update_id)
    (again,) = await bot.get_updates(offset=update_id + 1)

    assert again.update_id == update_id
    assert again.message is not None
    assert again.message.text == "một lần"
    assert await bot.get_updates(offset=update_id + 1) == ()
    assert api.pending_updates == 0


async def test_uploaded_files_can_be_fetched_and_downloaded(api: FakeBotApi, bot: Bot) -> None:
    user = api.user(9)
    photo_bytes = b"\x89PNG fake image"
    user.send_photo(photo_bytes, caption="minh chứng")
    user.send_document(b"PK\x03\x04 xlsx", "bao-cao.xlsx", "application/vnd.ms-excel")

    photo_update, document_update = await bot.get_updates()
    assert photo_update.message is not None
    assert document_update.message is not None
    assert document_update.message.document is not None
    photo_file = await bot.get_file(photo_update.message.photo[-1].file_id)
    document_file = await document_update.message.document.get_file()

    assert photo_update.message.caption == "minh chứng"
    assert bytes(await photo_file.download_as_bytearray()) == photo_bytes
    assert bytes(await document_file.download_as_bytearray()) == b"PK\x03\x04 xlsx"
    assert document_update.message.document.file_name == "bao-cao.xlsx"

    sent = await bot.send_photo(9, photo=b"bot chart", caption="Biểu đồ")
    resent = await bot.send_photo(9, photo=sent.photo[-1].file_id)
    downloaded = await (await bot.get_file(resent.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"bot chart"
    assert [m.get("caption") for m in user.messages] == ["Biểu đồ", None]
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_commands_are_kept_per_scope_and_language(api: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Bắt đầu")])
    await bot.set_my_commands([("start", "Start")], language_code="en")

    assert [c.description for c in await bot.get_my_commands()] == ["Bắt đầu"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert api.commands[("default", "en")] == [{"command": "start", "description": "Start"}]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("BaoCao", "x")])


async def test_wait_for_message_is_a_cursor_and_times_out_with_the_chat(
    api: FakeBotApi, bot: Bot
) -> None:
    user = api.user(3)
    user.send_text("xin chào")
    await bot.send_message(3, "một")
    await bot.send_message(3, "hai")
    await bot.send_chat_action(3, "typing")

    assert (await user.wait_for_message())["text"] == "một"
    assert (await user.wait_for_message(lambda m: m["text"] == "hai"))["text"] == "hai"
    with pytest.raises(TimeoutError, match=r"(?s)no new bot message.*'xin chào'.*'hai'"):
        await user.wait_for_message(timeout=0.05)
