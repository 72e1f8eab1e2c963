"""The shipped catalogs: what each form asks, honesty of criterion texts, demo tree, campaigns,
and that malformed catalogs fail with an error naming the file and the field."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.base.forms import LocalText, QuestionKind
from bot.catalog.loading import load_campaign, load_catalog, load_demo_units
from bot.catalog.model import CATALOGS_DIR, CatalogError, CriteriaSet, readable_field

CRITERIA_FORMS = {"cap-22": 22, "xa-34": 34, "cq-14": 14, "huyen-32": 32}
CITATIONS = {
    "cong-an-phuong-22": ("Bộ tiêu chí thí điểm của Bộ Công an", "the Ministry of Public Security's pilot set"),
    "xa-phuong-34": ("Quyết định 9745/QĐ-BCA-V05", "Decision 9745/QĐ-BCA-V05"),
    "co-quan-14": ("Quyết định 9745/QĐ-BCA-V05", "Decision 9745/QĐ-BCA-V05"),
    "cap-huyen-32": ("Công văn 8220/UBND-NC", "Official Letter 8220/UBND-NC"),
}
# The only official wording verified against the published decision (criterion 1 of the 14, verbatim).
CQ14_CRITERION_1 = (
    "Tổ chức quán triệt, triển khai thực hiện đầy đủ, hiệu quả các chủ trương của Đảng, chính sách, "
    "pháp luật của Nhà nước, các văn bản chỉ đạo của cấp trên về công tác bảo đảm ANTT và xây dựng "
    "phong trào toàn dân bảo vệ ANTQ đến các phòng, ban, tổ, đội trong cơ quan, doanh nghiệp, cơ sở "
    "giáo dục."
)
XA34_CRITERION_1_EN = (
    "Implementing the Party's guidelines, State policy and superiors' directives on security and "
    "order and on the movement, fully and effectively, in all departments, mass organisations, "
    "villages and residential areas of the commune."
)
VIETNAMESE_LETTERS = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def units():
    return load_demo_units()


def test_shipped_forms_have_the_right_criteria_counts(catalog):
    assert set(catalog.forms) == {*CRITERIA_FORMS, "de-cuong"}
    for form_id, total in CRITERIA_FORMS.items():
        form = catalog.form(form_id)
        criteria = [q for q in form if q.kind is QuestionKind.CRITERION]
        assert [q.id for q in criteria] == [f"TC.{n}" for n in range(1, total + 1)]
        assert [q.criterion_number for q in criteria] == list(range(1, total + 1))
        assert {q.criteria_total for q in criteria} == {total}
        assert catalog.criteria_set_of(form_id).total == total
    assert catalog.form("de-cuong").criteria_count == 0
    assert catalog.criteria_set_of("de-cuong") is None


def test_outline_questions_and_kinds(catalog):
    outline_ids = [
        "hinh-thuc", "ngay-so-ket", "I.1", "I.2", "II.1", "II.2", "II.3.so-cuoc", "II.3.ket-qua",
        "III.1", "III.2", "III.3", "IV.1", "IV.2", "IV.3", "V", "VI", "tai-lieu",
    ]  # fmt: skip
    narrative = catalog.form("de-cuong")
    assert [q.id for q in narrative] == outline_ids
    kinds = {q.id: q.kind for q in narrative}
    assert kinds["hinh-thuc"] is QuestionKind.CHOICE
    assert kinds["ngay-so-ket"] is QuestionKind.DATE
    assert kinds["II.3.so-cuoc"] is QuestionKind.NUMBER
    assert kinds["tai-lieu"] is QuestionKind.ATTACHMENT
    assert {k for i, k in kinds.items() if i not in {"hinh-thuc", "ngay-so-ket", "II.3.so-cuoc", "tai-lieu"}} == {
        QuestionKind.TEXT
    }
    assert [q.id for q in narrative if not q.required] == ["tai-lieu"]

    choice = narrative.question("hinh-thuc")
    assert [(o.code, o.label.vi) for o in choice.options] == [
        ("hoi-nghi", "Hội nghị sơ kết"),
        ("van-ban", "Sơ kết bằng văn bản"),
    ]
    count = narrative.question("II.3.so-cuoc")
    assert (count.min_value, count.max_value) == (0, 10000)
    assert all(q.max_length == 8000 for q in narrative if q.kind is QuestionKind.TEXT)
    assert narrative.question("II.1").section.vi == "II. Công tác tham mưu, chỉ đạo, triển khai thực hiện"


def test_criteria_replace_the_slot_in_place(catalog):
    form = catalog.form("cap-22")
    ids = [q.id for q in form]
    assert "III.2" not in ids
    assert ids[ids.index("III.1") + 1 : ids.index("III.3")] == [f"TC.{n}" for n in range(1, 23)]
    first = form.question("TC.1")
    assert first.section == LocalText("III.2. Kết quả thực hiện các tiêu chí", "III.2. Results per criterion")
    assert first.max_length == 8000 and first.required
    assert form.sources[0].startswith("Đề cương kèm theo Kế hoạch số 883/KH-UBND")
    assert any("Bộ Công an" in source for source in form.sources[1:])


def test_form_version_combines_form_and_criteria_set(catalog):
    assert catalog.form("cap-22").version == 1 * 1000 + 1
    assert catalog.form("de-cuong").version == 1000


def _local_texts(value: Any) -> Iterator[LocalText]:
    """Every LocalText reachable from a catalog object."""
    if isinstance(value, LocalText):
        yield value
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            if not f.name.startswith("_"):
                yield from _local_texts(getattr(value, f.name))
    elif isinstance(value, (tuple, list, frozenset)):
        for item in value:
            yield from _local_texts(item)
    elif hasattr(value, "values"):
        for item in value.values():
            yield from _local_texts(item)


def test_every_text_is_vietnamese_with_diacritics_and_english(catalog):
    texts = list(_local_texts(catalog))
    assert len(texts) > 200
    for text in texts:
        assert text.vi.strip() and text.en and text.en.strip(), text
        assert VIETNAMESE_LETTERS.search(text.vi), f"no Vietnamese diacritics: {text.vi!r}"
        assert text.en != text.vi, text
    assert not any("MUỘU" in t.vi.upper() for t in texts)


def test_neutral_prompt_wherever_the_text_is_not_verified(catalog):
    verified = {
        (set_id, c.number) for set_id, s in catalog.criteria_sets.items() for c in s.criteria if c.text is not None
    }
    assert verified == {("xa-phuong-34", 1), ("co-quan-14", 1)}
    for form_id in CRITERIA_FORMS:
        criteria_set = catalog.criteria_set_of(form_id)
        vi_source, en_source = CITATIONS[criteria_set.id]
        for question in catalog.form(form_id):
            n = question.criterion_number
            if n is None or (criteria_set.id, n) in verified:
                continue
            assert question.prompt == LocalText(f"Tiêu chí {n} (theo {vi_source})", f"Criterion {n} (under {en_source})")
            assert question.guidance is None or (n == 2 and form_id == "xa-34")
    assert catalog.form("xa-34").question("TC.5").prompt == LocalText(
        "Tiêu chí 5 (theo Quyết định 9745/QĐ-BCA-V05)", "Criterion 5 (under Decision 9745/QĐ-BCA-V05)"
    )


def test_verified_texts_are_exactly_the_sourced_ones(catalog):
    cq = catalog.form("cq-14").question("TC.1").prompt
    assert cq.vi == CQ14_CRITERION_1
    xa = catalog.form("xa-34").question("TC.1").prompt
    assert xa == LocalText("Tiêu chí 1 (theo Quyết định 9745/QĐ-BCA-V05)", XA34_CRITERION_1_EN)
    partial = catalog.criteria_sets["xa-phuong-34"].criterion(2)
    assert partial.text is None
    assert "không phải văn bản chính thức" in partial.guidance.vi
    assert partial.guidance.en.startswith("Partial, not the official text")


def test_groups_are_not_invented(catalog):
    assert all(c.group is None for s in catalog.criteria_sets.values() for c in s.criteria)


def test_demo_tree(units):
    by_code = {u.code: u for u in units}
    assert len(by_code) == len(units)
    seen: set[str] = set()
    for unit in units:
        assert re.fullmatch(r"[A-Z0-9][A-Z0-9-]*", unit.code)
        assert unit.parent_code is None or unit.parent_code in seen, "parents come before children"
        seen.add(unit.code)

    ward_police = [u for u in units if u.kind == "cap"]
    assert len(ward_police) == 16
    per_district = {d: sum(u.parent_code == d for u in ward_police) for d in ("NA-CL", "NA-TH", "NA-VINH")}
    assert per_district == {"NA-CL": 7, "NA-TH": 4, "NA-VINH": 5}
    assert by_code["CAP-CL-NGHIHAI"].name == "Công an phường Nghi Hải"
    assert by_code["CAP-CL-NGHIHAI"].parent_code == "NA-CL"
    assert by_code["NA-CAT-PV01"].parent_code == "NA-CAT"
    assert by_code["NA"].parent_code is None

    assert sum(u.kind == "xa" for u in units) == 48
    assert sum(u.kind == "cq" for u in units) == 42
    generated = [u for u in units if u.kind in {"xa", "cq"} or u.code.startswith("CAP-VINH-DEMO")]
    assert len(generated) == 48 + 42 + 3
    for unit in units:
        assert unit.demo == ("(dữ liệu demo)" in unit.name), unit
    assert {u.code for u in units if not u.demo} >= {"CAP-VINH-HAHUYTAP", "CAP-VINH-TRUONGTHI", "NA-VINH"}


@pytest.mark.parametrize("code", ["so-ket-2023", "so-ket-2023-2024"])
def test_campaign_enrolment(catalog, units, code):
    campaign = catalog.campaigns[code]
    form_of = {u.code: campaign.form_for(u.kind, u.code) for u in units}
    for unit in units:
        expected = {"cap": "cap-22", "xa": "xa-34", "cq": "cq-14", "so": "de-cuong"}.get(unit.kind)
        if unit.kind == "huyen":
            expected = "huyen-32" if unit.code in {"NA-CL", "NA-TH"} else "de-cuong"
        assert form_of[unit.code] == expected, unit
    assert {c for c, f in form_of.items() if f == "huyen-32"} == {"NA-CL", "NA-TH"}
    assert form_of["NA-VINH"] == form_of["NA-SO-TTTT"] == form_of["NA-MTTQ"] == "de-cuong"
    assert form_of["NA-CAT-PV01"] is None


def test_campaign_calendars(catalog):
    first = catalog.campaigns["so-ket-2023"]
    assert first.report_due.due == dt.date(2023, 11, 25)
    assert [(m.kind, m.due) for m in first.milestones] == [
        ("report_due", dt.date(2023, 11, 25)),
        ("appraisal_due", dt.date(2023, 12, 5)),
        ("conference", dt.date(2023, 12, 10)),
    ]
    assert "dự kiến đầu tháng 12/2023" in first.milestones[-1].title.vi
    assert first.basis.startswith("Kế hoạch số 883/KH-UBND")
    second = catalog.campaigns["so-ket-2023-2024"]
    assert [(m.kind, m.due) for m in second.milestones] == [
        ("report_due", dt.date(2024, 7, 15)),
        ("conference", dt.date(2024, 8, 15)),
    ]
    for campaign in (first, second):
        assert campaign.reminders.days_before == (7, 3, 1, 0)
        assert campaign.reminders.at == dt.time(8, 0)
        assert campaign.reminders.overdue_notice
        assert campaign.opens < campaign.report_due.due


def test_a_new_campaign_is_just_a_file(tmp_path, catalog):
    data = yaml.safe_load((CATALOGS_DIR / "campaigns/so-ket-2023-2024.yaml").read_text(encoding="utf-8"))
    data.update(code="so-ket-2026", opens=dt.date(2026, 2, 1), closes=dt.date(2026, 7, 31))
    data["milestones"] = [
        {"kind": "report_due", "due": dt.date(2026, 6, 30), "title": {"vi": "Hạn gửi báo cáo", "en": "Reports due"}}
    ]
    data["enrol"] = [{"unit_kind": "xa", "form": "xa-34"}]
    path = tmp_path / "so-ket-2026.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    campaign = load_campaign(path, catalog.forms.keys())
    assert (campaign.report_due.due, campaign.closes) == (dt.date(2026, 6, 30), dt.date(2026, 7, 31))
    assert campaign.form_for("xa", "XA-DEMO-01") == "xa-34"
    assert campaign.form_for("cap", "CAP-CL-NGHIHAI") is None

    data["closes"] = dt.date(2026, 6, 29)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"closes: 2026-06-29 is before the report deadline \(2026-06-30\)"):
        load_campaign(path, catalog.forms.keys())

    data["closes"] = dt.date(2026, 7, 31)
    data["enrol"] = [{"unit_kind": "xa", "form": "xa-35"}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"enrolment rule 1, form"):
        load_campaign(path, catalog.forms.keys())


def _with_texts(criteria_set: CriteriaSet, version: int) -> CriteriaSet:
    criteria = tuple(dataclasses.replace(c, text=LocalText(f"Nội dung chính thức {c.number}")) for c in criteria_set.criteria)
    return dataclasses.replace(criteria_set, version=version, criteria=criteria)


def test_overrides_replace_texts_and_change_the_form_version(catalog):
    imported = _with_texts(catalog.criteria_sets["cong-an-phuong-22"], version=2)
    overridden = load_catalog(overrides={"cong-an-phuong-22": imported})
    form = overridden.form("cap-22")
    assert form.version == 1002 != catalog.form("cap-22").version
    assert form.question("TC.7").prompt.vi == "Nội dung chính thức 7"
    assert overridden.form("xa-34") == catalog.form("xa-34")

    with pytest.raises(CatalogError, match=r"overrides: cong-an-phuong-22\.version"):
        load_catalog(overrides={"cong-an-phuong-22": _with_texts(catalog.criteria_sets["cong-an-phuong-22"], 1)})


# --- Malformed catalogs: one defect each -------------------------------------------------------


def _edit(relative: str, change: Callable[[Any], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / relative
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    return apply


def _set(data: Any, keys: tuple[Any, ...], value: Any) -> None:
    for key in keys[:-1]:
        data = data[key]
    data[keys[-1]] = value


MALFORMED = {
    "wrong count": (
        _edit("criteria/xa-phuong-34.yaml", lambda d: d["criteria"].pop()),
        "criteria/xa-phuong-34.yaml", "criteria", "missing: 34",
    ),
    "duplicate number": (
        _edit("criteria/co-quan-14.yaml", lambda d: _set(d, ("criteria", 4, "number"), 3)),
        "criteria/co-quan-14.yaml", "criteria[4].number", "already",
    ),
    "number out of range": (
        _edit("criteria/cap-huyen-32.yaml", lambda d: _set(d, ("total",), 31)),
        "criteria/cap-huyen-32.yaml", "criteria[31].number", "outside 1..31",
    ),
    "unknown key": (
        _edit("criteria/cong-an-phuong-22.yaml", lambda d: _set(d, ("criteria", 2, "txt"), {"vi": "x"})),
        "criteria/cong-an-phuong-22.yaml", "criteria[2].txt", "unknown key",
    ),
    "unknown key in a question": (
        _edit("outlines/de-cuong-883.yaml", lambda d: _set(d, ("sections", 1, "questions", 0, "hint"), "x")),
        "outlines/de-cuong-883.yaml", "sections[1].questions[0].hint", "unknown key",
    ),
    "choice with one option": (
        _edit("outlines/de-cuong-883.yaml", lambda d: d["sections"][0]["questions"][0]["options"].pop()),
        "outlines/de-cuong-883.yaml", "sections[0].questions[0].options", "at least 2",
    ),
    "number bounds reversed": (
        _edit("outlines/de-cuong-883.yaml", lambda d: _set(d, ("sections", 2, "questions", 2, "min_value"), 20000)),
        "outlines/de-cuong-883.yaml", "sections[2].questions[2].min_value", "above max_value",
    ),
    "field of another kind": (
        _edit("outlines/de-cuong-883.yaml", lambda d: _set(d, ("sections", 1, "questions", 0, "max_value"), 5)),
        "outlines/de-cuong-883.yaml", "sections[1].questions[0].max_value", "only number",
    ),
    "duplicate question id": (
        _edit("outlines/de-cuong-883.yaml", lambda d: _set(d, ("sections", 1, "questions", 1, "id"), "I.1")),
        "outlines/de-cuong-883.yaml", "sections[1].questions[1].id", "used twice",
    ),
    "unknown form in enrol": (
        _edit("campaigns/so-ket-2023.yaml", lambda d: _set(d, ("enrol", 2, "form"), "cap-23")),
        "campaigns/so-ket-2023.yaml", "enrol[2].form", "there is no form “cap-23”; the forms are: cap-22, ",
    ),
    "shadowed enrol rule": (
        _edit("campaigns/so-ket-2023.yaml", lambda d: d["enrol"].reverse()),
        "campaigns/so-ket-2023.yaml", "enrol[5]", "never applies",
    ),
    "two milestones of one kind": (
        _edit("campaigns/so-ket-2023-2024.yaml", lambda d: _set(d, ("milestones", 1, "kind"), "report_due")),
        "campaigns/so-ket-2023-2024.yaml", "milestones[1].kind", "one report_due milestone",
    ),
    "unknown criteria set in forms": (
        _edit("forms.yaml", lambda d: _set(d, ("forms", 1, "criteria"), "xa-35")),
        "forms.yaml", "forms[1].criteria", "no criteria set 'xa-35'",
    ),
}  # fmt: skip


@pytest.fixture
def catalog_copy(tmp_path) -> Path:
    root = tmp_path / "catalogs"
    shutil.copytree(CATALOGS_DIR, root)
    return root


def test_the_copy_itself_loads(catalog_copy):
    assert set(load_catalog(catalog_copy).forms) == {*CRITERIA_FORMS, "de-cuong"}


@pytest.mark.parametrize("defect", MALFORMED, ids=list(MALFORMED))
def test_malformed_catalog_names_file_and_field(catalog_copy, defect):
    break_it, file, field, message = MALFORMED[defect]
    break_it(catalog_copy)
    with pytest.raises(CatalogError) as caught:
        load_catalog(catalog_copy)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.file, error.field) == (file, field)
    assert message in error.message
    assert str(error).startswith(f"{file}: {readable_field(field, str)}: ")  # enrol[2] read as “enrolment rule 3”


def test_duplicate_yaml_key_is_an_error(catalog_copy):
    path = catalog_copy / "forms.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    version: 1\n", "    version: 1\n    version: 2\n", 1))
    with pytest.raises(CatalogError, match=r"^forms\.yaml: version: given twice \(line \d+\); keep one$"):
        load_catalog(catalog_copy)


DEMO = "demo/nghe-an.yaml"
MALFORMED_DEMO = {
    "bad unit code": (lambda d: _set(d, ("units", 3, "code"), "na-so-tttt"), "units[3].code", "does not have the expected form (^[A-Z0-9]"),
    "duplicate unit code": (lambda d: _set(d, ("units", 4, "code"), "NA-SO-TTTT"), "units[4].code", "used twice"),
    "unknown parent": (lambda d: _set(d, ("units", 1, "parent"), "NA-XX"), "units[1].parent", "'NA-XX'"),
    "parent listed later": (lambda d: d["units"].insert(0, d["units"].pop(2)), "units[0].parent", "'NA-CAT'"),
    "generated without demo label": (
        lambda d: _set(d, ("generate", 1, "name"), "Xã {n:02}"), "generate[1].name", "dữ liệu demo",
    ),
    "generated under an unknown parent": (
        lambda d: _set(d, ("generate", 1, "spread"), {"NA-QL": 48}), "generate[1].spread.NA-QL", "not listed",
    ),
}  # fmt: skip


@pytest.mark.parametrize("defect", MALFORMED_DEMO, ids=list(MALFORMED_DEMO))
def test_malformed_demo_names_file_and_field(catalog_copy, defect):
    change, field, message = MALFORMED_DEMO[defect]
    _edit(DEMO, change)(catalog_copy)
    with pytest.raises(CatalogError) as caught:
        load_demo_units(catalog_copy)
    assert (caught.value.file, caught.value.field) == (DEMO, field)
    assert message in caught.value.message
