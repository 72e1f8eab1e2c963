"""The reminder plan: the seed's deadlines give exactly the right instants, none at night."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.base.deadline import ReminderPlan
from bot.base.records import CampaignRecord
from bot.catalog.campaign_time import worth_sending_until
from bot.catalog.loading import load_catalog
from bot.catalog.model import CampaignSpec
from bot.reminders.composing import ReminderService
from bot.reminders.plan import SlotKind, outside_quiet_hours, plan_slots, sending_times, still_worth_sending
from storage.units import plan_json, plan_of
from tests.seeded_store import seeded_store
from tests.service_harness import NGHI_HAI

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CATALOG = load_catalog()


def settings_of(code: str) -> ReminderPlan:
    return CATALOG.campaigns[code].reminders


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


def test_the_2023_review_reminds_7_3_1_days_before_on_the_day_and_after() -> None:
    slots = plan_slots("so-ket-2023", date(2023, 11, 25), settings_of("so-ket-2023"), ZONE)
    assert [(s.kind, s.fire_at) for s in slots] == [
        (SlotKind.BEFORE, local("2023-11-18T08:00")),
        (SlotKind.BEFORE, local("2023-11-22T08:00")),
        (SlotKind.BEFORE, local("2023-11-24T08:00")),
        (SlotKind.BEFORE, local("2023-11-25T08:00")),
        (SlotKind.OVERDUE, local("2023-11-26T08:00")),
    ]
    assert len({s.key for s in slots}) == 5
    assert all(s.deadline == local("2023-11-25T23:59:59") for s in slots)


def test_the_plan_stored_with_a_campaign_reads_back_as_the_catalog_wrote_it() -> None:
    assert plan_of({"days_before": [7, 3, 1, 0], "at": "08:00", "overdue_notice": True}) == settings_of("so-ket-2023")
    assert plan_of(plan_json(settings_of("so-ket-2023"))) == settings_of("so-ket-2023")


def test_the_two_year_review_falls_on_15_7_2024() -> None:
    due = CATALOG.campaigns["so-ket-2023-2024"].report_due.due
    slots = plan_slots("so-ket-2023-2024", due, settings_of("so-ket-2023-2024"), ZONE)
    assert slots[0].fire_at == local("2024-07-08T08:00") and slots[-1].fire_at == local("2024-07-16T08:00")


def test_a_reminder_planned_at_night_waits_for_seven() -> None:
    late = ReminderPlan((1,), time(22, 30), True)
    early = ReminderPlan((1,), time(5, 0), False)
    assert plan_slots("c", date(2023, 11, 25), late, ZONE)[0].fire_at == local("2023-11-25T07:00")
    assert plan_slots("c", date(2023, 11, 25), early, ZONE)[0].fire_at == local("2023-11-24T07:00")


@given(st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2025, 1, 1)))
def test_nothing_is_ever_sent_between_21_and_7(naive: datetime) -> None:
    shifted = outside_quiet_hours(naive.replace(tzinfo=ZONE), ZONE).astimezone(ZONE)
    assert time(7, 0) <= shifted.time() < time(21, 0)
    assert shifted >= naive.replace(tzinfo=ZONE)
    assert shifted - naive.replace(tzinfo=ZONE) <= timedelta(hours=10)


def test_after_downtime_only_the_newest_missed_reminder_goes_and_only_before_its_deadline() -> None:
    slots = plan_slots("so-ket-2023", date(2023, 11, 25), settings_of("so-ket-2023"), ZONE)
    now = local("2023-11-23T10:00")
    times = sending_times(slots, now, ZONE)
    assert times["so-ket-2023/report_due/-3d"] == now
    assert times["so-ket-2023/report_due/-7d"] is None
    assert times["so-ket-2023/report_due/-1d"] == local("2023-11-24T08:00")
    assert still_worth_sending(slots[1], now)
    assert not still_worth_sending(slots[1], local("2023-11-26T00:00"))
    assert still_worth_sending(slots[-1], local("2023-11-27T09:00"))


def test_a_missed_reminder_found_at_night_is_not_sent_when_the_next_one_comes_that_morning() -> None:
    slots = plan_slots("so-ket-2023", date(2023, 11, 25), settings_of("so-ket-2023"), ZONE)
    at_night = sending_times(slots, local("2023-11-21T21:30"), ZONE)
    assert at_night["so-ket-2023/report_due/-7d"] is None
    assert at_night["so-ket-2023/report_due/-3d"] == local("2023-11-22T08:00")
    next_evening = sending_times(slots, local("2023-11-22T22:00"), ZONE)
    assert next_evening["so-ket-2023/report_due/-3d"] == local("2023-11-23T07:00")


async def planned_by(now: datetime, extended_to: date | None = None) -> list[str]:
    """The slot keys the reminder service plans at `now` over the demo's Cửa Lò, Nghi Hải's 2023
    deadline extended to `extended_to`."""
    async with seeded_store() as store:
        if extended_to is not None:
            async with store() as uow:
                await uow.reports.extend("so-ket-2023", store.unit_id(NGHI_HAI), extended_to)
        return [slot.key for _campaign, slot in await ReminderService(store, CATALOG.form, ZONE).slots(now)]


async def test_a_closed_campaign_plans_nothing_not_even_the_overdue_notice_it_missed() -> None:
    assert await planned_by(local("2026-11-28T09:00")) == []  # both campaigns closed long ago
    on_the_last_day = await planned_by(local("2023-12-10T09:00"), extended_to=date(2023, 12, 5))
    assert "so-ket-2023/report_due/overdue" in on_the_last_day
    assert "so-ket-2023/report_due@2023-12-05/overdue" in on_the_last_day  # falls on 06/12, before closing
    after = await planned_by(local("2023-12-11T07:00"), extended_to=date(2023, 12, 5))
    assert [key for key in after if key.startswith("so-ket-2023/")] == []  # no series, no digest, no catch-up
    assert sending_times([], local("2023-12-11T07:00"), ZONE) == {}


def test_a_message_still_waiting_when_its_campaign_closes_is_never_sent() -> None:
    campaign = CATALOG.campaigns["so-ket-2023"]
    [overdue] = [s for s in plan_slots("so-ket-2023", date(2023, 12, 5), campaign.reminders, ZONE, extended=True) if s.kind is SlotKind.OVERDUE]
    assert overdue.expires_at == local("2023-12-13T08:00")  # a week after it falls due…
    assert worth_sending_until(record_of(campaign), overdue.expires_at, ZONE) == local("2023-12-10T23:59:59")  # …cut at closing


def record_of(spec: CampaignSpec) -> CampaignRecord:
    return CampaignRecord(spec.code, spec.title, spec.opens, spec.report_due.due, spec.reminders, spec.closes)
