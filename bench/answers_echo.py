"""The reference bot of the answer path benchmark (bench/answers.py): what python-telegram-bot
alone costs. A bare `Application` polling the Bot API with `AIORateLimiter`, that answers a
text with the same text (`reply_text`) and a button press by answering the callback and
editing the pressed message into a new text with three buttons (so the next press has a
keyboard), and a command with a message that has those buttons. No database, no state.

It reads the settings baocao reads: TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL,
TELEGRAM_FILE_BASE_URL and TELEGRAM_REPLY_RATE (the limiter's overall rate; unset: PTB's
default, 30/s). Updates are handled 16 at a time, as baocao's dispatcher does. It runs until
SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import os
import signal
from itertools import count

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

CONCURRENT_UPDATES = 16
"""Updates handled at once: baocao's ChatOrderedDispatcher allows as many."""
KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton(label, callback_data=str(n)) for n, label in enumerate(("Đạt", "Chưa đạt", "Chưa đến"), 1)]]
)
_edits = count(1)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(f"Câu hỏi ({update.message.text})", reply_markup=KEYBOARD)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"Đã chọn {query.data} (lần {next(_edits)})", reply_markup=KEYBOARD)


async def main() -> None:
    rate = os.environ.get("TELEGRAM_REPLY_RATE")
    limiter = AIORateLimiter(overall_max_rate=float(rate)) if rate else AIORateLimiter()
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .base_file_url(os.environ["TELEGRAM_FILE_BASE_URL"])
        .rate_limiter(limiter)
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )
    application.add_handler(CommandHandler(["baocao", "sua"], on_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_press))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=["message", "callback_query"], timeout=25)
        await application.start()
        await stop.wait()
        await application.updater.stop()
        await application.stop()


if __name__ == "__main__":
    asyncio.run(main())
