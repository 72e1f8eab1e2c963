"""A reminder sent on by another way keeps its original's key under its own, so a newer reminder
that stops the original (the outbox's `supersede`) tells the copies it must spare."""

from __future__ import annotations

from bot.reminders.rerouting import onward_key, sent_for

KEY = "so-ket-2023/report_due/-3d"


def test_an_onward_copy_is_keyed_under_its_original_once_per_way() -> None:
    assert onward_key(KEY, "zalo_bot") == f"{KEY}/zalo_bot"
    assert onward_key(onward_key(KEY, "zalo_bot"), "zns") == f"{KEY}/zalo_bot/zns"


def test_a_message_is_sent_for_its_own_key_and_the_keys_under_it_only() -> None:
    assert sent_for(KEY, KEY)
    assert sent_for(onward_key(KEY, "zalo_bot"), KEY)
    assert sent_for(onward_key(onward_key(KEY, "zalo_bot"), "zns"), KEY)
    assert not sent_for("so-ket-2023/report_due/-3d2", KEY)  # a longer key, not one under it
    assert not sent_for("so-ket-2023/report_due/-7d", KEY)
    assert not sent_for("so-ket-2023/report_due", KEY)  # the series itself
