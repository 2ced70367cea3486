"""What the first loader guessed for what the national list does not say, kept to recognise it.

Until the item facts were reviewed (fixtures/item_facts.csv, docs/catalogue.md), the loader
derived modes, audience and delivery from the scenario's wording and gave every item a default
materials list. Several of those guesses were wrong (结婚登记 as mail-forwarded paper,
门诊费用跨省直接结算 as "apply online", a mandate letter marked required). They are no longer
applied to anything: `legacy_values` and `legacy_materials` say what they produced, so that the
loader can tell an item an admin never touched (its fields still equal the guess, and are
corrected from the reviewed facts) from one an admin edited (left alone).

Only `scope_note_for` is still used for new items: it copies words the list itself prints in
the item's name.
"""

# Modes, first matching rule wins; each rule: (markers in the scenario, modes).
LEGACY_MODE_RULES: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = (
    (("协同", "从缴存地"), frozenset({"joint"})),
    (("取指纹", "拍照", "婚姻登记机关", "现场"), frozenset({"proxy"})),
    (("网上", "网上申领"), frozenset({"online"})),
    (("直接结算",), frozenset({"online"})),
    (("打印",), frozenset({"online", "proxy"})),
    (("自助", "查询", "核验"), frozenset({"online"})),
)
LEGACY_DEFAULT_MODES = frozenset({"online", "proxy"})
LEGACY_ONLINE_ONLY_NAME_MARKERS = ("电子",)

# Audience, by words in the item's name.
LEGACY_BOTH_NAME_MARKERS = ("不动产", "单位及个人", "物种证明")
LEGACY_ORGANISATION_NAME_MARKERS = (
    "内资企业",
    "外资企业",
    "个体工商户",
    "农民专业合作社",
    "营业执照",
    "单位登记",
    "单位社保",
    "检验检测机构",
    "生产单位",
    "定点医疗机构",
    "排污",
    "快递",
    "邮政",
    "邮票",
    "邮资",
    "药品",
    "广告",
    "义诊",
    "消毒产品",
    "保健食品",
    "生产许可证",
    "计量器具",
    "测绘成果",
    "坐标系统",
    "探矿权",
    "采矿权",
    "按比例就业",
)

# The default materials list every item got: (name, note); form "either", one copy, no original,
# every entry required (including the mandate letter whose own note says it is conditional).
LEGACY_MATERIAL_NOTE = "默认清单：办理地发布的办事指南可增补"
LEGACY_PERSON_MATERIALS = (("申请人有效身份证件", "居民身份证、居住证或永久居留身份证"),)
LEGACY_ORGANISATION_MATERIALS = (
    ("营业执照或其他主体资格证明", "可通过数据共享核验的，不再提交"),
    ("经办人有效身份证件及授权委托书", "委托他人办理时提交"),
)

# Words the list prints in an item's name: its scope (KS-1-021…023).
SCOPE_NOTES = {"（省会城市及计划单列市）": "省会城市及计划单列市"}


def legacy_modes(name: str, scenario: str) -> frozenset[str]:
    for markers, modes in LEGACY_MODE_RULES:
        if any(marker in scenario for marker in markers):
            return modes
    if any(marker in name for marker in LEGACY_ONLINE_ONLY_NAME_MARKERS):
        return frozenset({"online"})
    return LEGACY_DEFAULT_MODES


def legacy_audience(name: str) -> str:
    if any(marker in name for marker in LEGACY_BOTH_NAME_MARKERS):
        return "both"
    if any(marker in name for marker in LEGACY_ORGANISATION_NAME_MARKERS):
        return "organisation"
    return "person"


def legacy_values(name: str, scenario: str) -> dict:
    """The item fields the first loader set from the list's name and scenario (and the model defaults
    of the fields it did not set), by field name."""
    modes = legacy_modes(name, scenario)
    on_paper = bool(modes & {"proxy", "joint"})
    return {
        "audience": legacy_audience(name),
        "channel": "portal",
        "supports_online": "online" in modes,
        "supports_proxy": "proxy" in modes,
        "supports_joint": "joint" in modes,
        "in_person": False,
        "where_to_go": "",
        "delivery_online": "online" in modes,
        "delivery_post": on_paper,
        "delivery_window": on_paper,
        "statutory_days": None,
        "promised_days": None,
        "time_limit_note": "",
        "fees": "",
        "conditions": "",
        "result_name": "",
        "legal_basis": "",
        "item_type": "",
        "handling_level": "",
    }


def legacy_materials(audience: str) -> list[tuple]:
    """The default materials list, as comparable rows: (name, form, original_required, copies,
    required, source, note)."""
    entries = {
        "person": LEGACY_PERSON_MATERIALS,
        "organisation": LEGACY_ORGANISATION_MATERIALS,
        "both": LEGACY_PERSON_MATERIALS + LEGACY_ORGANISATION_MATERIALS,
    }[audience]
    return [
        (name, "either", False, 1, True, "", f"{detail}。{LEGACY_MATERIAL_NOTE}") for name, detail in entries
    ]


def scope_note_for(name: str) -> str:
    return next((note for marker, note in SCOPE_NOTES.items() if marker in name), "")
