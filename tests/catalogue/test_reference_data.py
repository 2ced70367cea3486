import json
from datetime import date

import pytest
from django.core.management import call_command

from catalogue import reference
from catalogue.models import Department, Region, RegionDataset, ServiceItem

pytestmark = pytest.mark.django_db


def test_the_list_has_58_74_and_8_items_per_batch():
    counts = {batch: ServiceItem.objects.filter(batch=batch).count() for batch in (1, 2, 3)}
    assert counts == {1: 58, 2: 74, 3: 8}


def test_every_item_served_by_the_api_equals_its_row_in_the_transcription(api):
    rows = reference.read_csv(reference.NATIONAL_LIST_CSV)
    served = api.get("/api/v1/items/", {"page_size": 200}).json()
    assert served["count"] == 140 and len(served["results"]) == 140
    for row, item in zip(rows, served["results"], strict=True):
        assert item["code"] == f"KS-{row['batch']}-{int(row['seq']):03d}"
        assert (item["batch"], item["seq"]) == (int(row["batch"]), int(row["seq"]))
        assert item["name"] == row["name"]
        assert item["scenario"] == row["scenario"]
        assert item["lead_department"]["name"] == row["lead_department"]
        assert item["lead_department_note"] == row["lead_note"]
        cooperating = [d["name"] for d in item["cooperating_departments"]]
        assert "、".join(cooperating) == row["cooperating_departments"]
        assert item["deadline"] == row["deadline"]


def test_sample_items_keep_the_lists_own_characters(api):
    item = api.get("/api/v1/items/KS-1-022/").json()
    assert item["name"] == "不动产登记资料查询（省会城市及计划单列市）"
    assert [d["name"] for d in item["cooperating_departments"]] == [
        "最高人民法院",
        "公安部",
        "民政部",
        "司法部",
        "国家卫生健康委",
        "市场监管总局",
    ]
    assert item["scope_note"] == "省会城市及计划单列市"
    item = api.get("/api/v1/items/KS-2-074/").json()
    assert item["scenario"] == "申请人可异地申请“安排残疾人就业比例”认证，不受地域限制。"
    item = api.get("/api/v1/items/KS-3-007/").json()
    assert item["lead_department"] == {"code": "MOHRSS", "name": "人力资源社会保障部"}
    assert item["lead_department_note"] == "（配合单位：国家医保局）"
    assert item["deadline"] == "2022年底前"


def test_the_22_departments_are_named_as_the_list_names_them():
    names = set(Department.objects.values_list("name", flat=True))
    assert len(names) == 22
    assert {"人力资源社会保障部", "国家卫生健康委", "最高人民法院", "住房城乡建设部"} <= names
    used = set(ServiceItem.objects.values_list("lead_department__name", flat=True)) | set(
        ServiceItem.objects.values_list("cooperating_departments__name", flat=True)
    )
    assert used - {None} == names


def test_regions_cover_provinces_prefectures_and_counties_with_their_source():
    counts = {level: Region.objects.filter(level=level).count() for level in Region.Level.values}
    meta = json.loads(reference.REGIONS_META.read_text(encoding="utf-8"))
    assert counts == {key: meta["counts"][key] for key in counts}
    assert counts["province"] == 34 and 3000 < sum(counts.values()) < 3400
    for code in ("810000", "820000", "710000"):
        assert Region.objects.get(code=code).level == "province"
    assert Region.objects.get(code="429004").parent_id == "420000"  # 仙桃市, 省直辖县级
    assert Region.objects.get(code="440300").name == "深圳市"
    assert Region.objects.get(code="110101").dataset.source.startswith("PyPI package")


def test_setup_portal_twice_changes_nothing():
    history = ServiceItem.history.count()
    call_command("setup_portal", "--demo", stdout=open("/dev/null", "w"))
    first = (ServiceItem.history.count(), RegionDataset.objects.count(), Region.objects.count())
    call_command("setup_portal", "--demo", stdout=open("/dev/null", "w"))
    assert (ServiceItem.history.count(), RegionDataset.objects.count(), Region.objects.count()) == first
    assert first[0] == history


def test_setup_portal_keeps_an_admins_edit_of_an_item():
    item = ServiceItem.objects.get(code="KS-1-005")
    item.fees = "不收费"
    item.save()
    reference.load_national_list()
    assert ServiceItem.objects.get(code="KS-1-005").fees == "不收费"


def write_region_file(tmp_path, rows, meta=None):
    path = tmp_path / "regions.csv"
    path.write_text("code,name,level,parent_code\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    meta_path = tmp_path / "regions.meta.json"
    meta_path.write_text(
        json.dumps(meta or {"source": "test file", "data_date": "2027-01-01"}), encoding="utf-8"
    )
    return path, meta_path


def test_refreshing_regions_adds_renames_and_marks_vanished_codes_without_deleting(tmp_path):
    kept = [f"{r.code},{r.name},{r.level},{r.parent_id or ''}" for r in Region.objects.exclude(code="110119")]
    kept = [line.replace("东城区", "东城新区") for line in kept] + ["110120,测试区,county,110000"]
    report = reference.refresh_regions(*write_region_file(tmp_path, kept))
    assert (report.created, report.updated, report.retired) == (1, 1, 1)
    assert Region.objects.get(code="110101").name == "东城新区"
    assert Region.objects.get(code="110101").dataset.source == "test file"
    assert Region.objects.get(code="110119").valid_until == date.today()
    assert Region.objects.get(code="110120").parent_id == "110000"


def test_a_region_file_with_an_unknown_parent_writes_nothing(tmp_path):
    before = Region.objects.count()
    with pytest.raises(ValueError, match="999999"):
        reference.refresh_regions(*write_region_file(tmp_path, ["999999,无名,county,990000"]))
    assert Region.objects.count() == before
    assert not Region.objects.filter(valid_until__isnull=False).exists()
