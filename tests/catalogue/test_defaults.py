"""The reviewed item facts, the table in docs/catalogue.md, and the first loader's guesses kept to
recognise items nobody edited."""

import re
from pathlib import Path

import pytest

from catalogue import facts, reference
from catalogue.defaults import legacy_audience, legacy_modes, legacy_values
from catalogue.models import item_code

DOCS = Path(__file__).resolve().parents[2] / "docs" / "catalogue.md"
CHANNEL_IN_DOCS = {"portal": "portal", "office": "office", "point_of_service": "point of service"}


@pytest.mark.parametrize(
    ("name", "scenario", "modes"),
    [
        ("失业保险关系转移接续", "转入地与转出地经办机构协同办理", {"joint"}),
        ("首次申领居民身份证", "由所在地公安部门线下取指纹和拍照", {"proxy"}),
        ("结婚登记", "申请人可在所在地婚姻登记机关办理结婚登记", {"proxy"}),
        ("排污许可", "申请人可异地网上提交申请材料", {"online"}),
        ("职业年金个人权益记录单查询打印", "可异地查询、打印", {"online", "proxy"}),
        ("门诊费用跨省直接结算", "可凭社会保障卡、身份证或医保电子凭证直接结算医疗费用", {"online"}),
        ("医保电子凭证申领", "申请人可申领医保电子凭证", {"online"}),
        ("失业保险金申领", "申请人可异地申领失业保险金，不受地域限制。", {"online", "proxy"}),
    ],
)
def test_the_first_loaders_mode_guesses_are_still_recognised(name, scenario, modes):
    assert legacy_modes(name, scenario) == modes


def test_the_first_loader_let_joint_win_over_online():
    assert legacy_modes("x", "网上申请，转入地与转出地协同办理") == {"joint"}


@pytest.mark.parametrize(
    ("name", "audience"),
    [
        ("内资企业及分支机构设立登记", "organisation"),
        ("企业职工基本养老保险关系转移接续", "person"),
        ("不动产抵押登记", "both"),
        ("学历公证", "person"),
    ],
)
def test_audience_follows_the_name_and_the_reviewed_facts_kept_it(name, audience):
    assert legacy_audience(name) == audience
    by_name = {fact.name: fact for fact in facts.read_item_facts().values()}
    assert by_name[name].values["audience"] == audience


def test_the_first_loader_gave_every_item_20_days_post_and_window_for_paper_and_no_legal_basis():
    guessed = legacy_values("结婚登记", "申请人可在所在地婚姻登记机关办理结婚登记，不受户籍地限制。")
    assert guessed["supports_proxy"] and guessed["delivery_post"] and guessed["delivery_window"]
    assert guessed["statutory_days"] is None and guessed["legal_basis"] == ""


def test_there_are_facts_for_every_item_of_the_list_under_its_own_name():
    known = facts.read_item_facts()
    rows = reference.read_csv(reference.NATIONAL_LIST_CSV)
    assert len(known) == len(rows) == 140
    for row in rows:
        assert known[item_code(int(row["batch"]), int(row["seq"]))].name == row["name"]


def test_a_facts_file_that_gives_a_mode_to_an_item_done_elsewhere_is_refused(tmp_path):
    text = facts.ITEM_FACTS_CSV.read_text(encoding="utf-8")
    bad = tmp_path / "item_facts.csv"
    marriage = "KS-3-003,结婚登记,person,office,"
    bad.write_text(text.replace(marriage + ",", marriage + "proxy,"))
    with pytest.raises(ValueError, match="KS-3-003"):
        facts.read_item_facts(bad)


def test_the_docs_table_matches_the_reviewed_facts_for_all_140_items():
    text = DOCS.read_text(encoding="utf-8")
    for code, fact in facts.read_item_facts().items():
        line = re.search(rf"^\| {code} \| (.+?) \| (.+?) \| (.+?) \| (.+?) \| (.+?) \|", text, re.MULTILINE)
        assert line, code
        name, channel, modes, delivery, in_person = line.groups()
        assert name == fact.name, code
        assert channel == CHANNEL_IN_DOCS[fact.values["channel"]], code
        assert modes == (", ".join(fact.modes) or "—"), code
        assert delivery == (", ".join(fact.delivery) or "not published"), code
        assert ("in person" in in_person) == fact.values["in_person"], code
        assert ("即办" in in_person) == (fact.values["statutory_days"] == 0), code


def test_the_docs_list_every_legal_basis_the_facts_give():
    text = DOCS.read_text(encoding="utf-8")
    for code, fact in facts.read_item_facts().items():
        if fact.values["legal_basis"]:
            assert f"| {code} | {fact.name} | {fact.values['legal_basis']} |" in text, code
