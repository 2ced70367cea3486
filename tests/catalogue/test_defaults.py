import re
from pathlib import Path

import pytest

from catalogue import reference
from catalogue.defaults import audience_for, defaults_for, modes_for
from catalogue.models import item_code

DOCS = Path(__file__).resolve().parents[2] / "docs" / "catalogue.md"


@pytest.mark.parametrize(
    ("name", "scenario", "modes"),
    [
        ("失业保险关系转移接续", "转入地与转出地经办机构协同办理", {"joint"}),
        ("首次申领居民身份证", "由所在地公安部门线下取指纹和拍照", {"proxy"}),
        ("排污许可", "申请人可异地网上提交申请材料", {"online"}),
        ("职业年金个人权益记录单查询打印", "可异地查询、打印", {"online", "proxy"}),
        ("就业创业证查询、核验", "可异地查询或核验", {"online"}),
        ("医保电子凭证申领", "申请人可申领医保电子凭证", {"online"}),
        ("失业保险金申领", "申请人可异地申领失业保险金，不受地域限制。", {"online", "proxy"}),
    ],
)
def test_modes_follow_the_scenario_wording(name, scenario, modes):
    assert modes_for(name, scenario)[0] == modes


def test_joint_wins_over_online_when_both_markers_appear():
    assert modes_for("x", "网上申请，转入地与转出地协同办理")[0] == {"joint"}


@pytest.mark.parametrize(
    ("name", "audience"),
    [
        ("内资企业及分支机构设立登记", "organisation"),
        ("企业职工基本养老保险关系转移接续", "person"),
        ("不动产抵押登记", "both"),
        ("学历公证", "person"),
    ],
)
def test_audience_follows_the_name(name, audience):
    assert audience_for(name) == audience


def test_the_docs_table_matches_the_rules_for_all_140_items():
    text = DOCS.read_text(encoding="utf-8")
    for row in reference.read_csv(reference.NATIONAL_LIST_CSV):
        defaults = defaults_for(row["name"], row["scenario"])
        code = item_code(int(row["batch"]), int(row["seq"]))
        line = re.search(rf"^\| {code} \| (.+?) \| (.+?) \| (\w+) \|", text, re.MULTILINE)
        assert line, code
        assert set(line.group(2).split(", ")) == set(defaults.modes), code
        assert line.group(3) == defaults.audience, code
