"""Defaults for what the national list does not say: modes, audience, scope, delivery, materials.

The list gives each item's name and scenario (应用场景) only; these rules read that wording.
They run once, when an item is first loaded; admins change the result per item afterwards.
docs/catalogue.md lists the rules and the defaults they produce for all 140 items.
"""

from dataclasses import dataclass

# Modes, first matching rule wins; each rule: (markers in the scenario, modes, why).
MODE_RULES: tuple[tuple[tuple[str, ...], frozenset[str], str], ...] = (
    (
        ("协同", "从缴存地"),
        frozenset({"joint"}),
        "two regions' offices act together (转入地与转出地协同, 迁入地和迁出地…协同, 从缴存地…提取)",
    ),
    (
        ("取指纹", "拍照", "婚姻登记机关", "现场"),
        frozenset({"proxy"}),
        "an on-site step (fingerprints, photo, both parties before the registrar)",
    ),
    (("网上", "网上申领"), frozenset({"online"}), "the list says 网上"),
    (("直接结算",), frozenset({"online"}), "settled directly through the network, nothing handed in"),
    (("打印",), frozenset({"online", "proxy"}), "a printout: online, or at a window near the applicant"),
    (("自助", "查询", "核验"), frozenset({"online"}), "self-service, look-up or verification"),
)
# The guideline (三、(一)): everything not required on site goes online (应上尽上); the
# window near the applicant (收受分离) stays open for those who hand in paper.
DEFAULT_MODES = frozenset({"online", "proxy"})
ONLINE_ONLY_NAME_MARKERS = ("电子",)  # 电子社会保障卡, 医保电子凭证: there is no paper form

# Audience, by words in the item's name (the scenario speaks of 申请人 throughout).
BOTH_NAME_MARKERS = ("不动产", "单位及个人", "物种证明")
ORGANISATION_NAME_MARKERS = (
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
SCOPE_NOTES = {"（省会城市及计划单列市）": "省会城市及计划单列市"}

PERSON_MATERIALS = (("申请人有效身份证件", "居民身份证、居住证或永久居留身份证"),)
ORGANISATION_MATERIALS = (
    ("营业执照或其他主体资格证明", "可通过数据共享核验的，不再提交"),
    ("经办人有效身份证件及授权委托书", "委托他人办理时提交"),
)
DEFAULT_MATERIAL_NOTE = "默认清单：办理地发布的办事指南可增补"


@dataclass(frozen=True)
class ItemDefaults:
    modes: frozenset[str]
    mode_reason: str
    audience: str
    scope_note: str

    @property
    def delivery(self) -> dict[str, bool]:
        on_paper = bool(self.modes & {"proxy", "joint"})
        return {
            "delivery_online": "online" in self.modes,
            "delivery_post": on_paper,
            "delivery_window": on_paper,
        }


def modes_for(name: str, scenario: str) -> tuple[frozenset[str], str]:
    for markers, modes, why in MODE_RULES:
        if any(marker in scenario for marker in markers):
            return modes, why
    if any(marker in name for marker in ONLINE_ONLY_NAME_MARKERS):
        return frozenset({"online"}), "an electronic credential, applied for online"
    return DEFAULT_MODES, "default: online, and proxy receipt at a window (国办发〔2020〕35号 三)"


def audience_for(name: str) -> str:
    if any(marker in name for marker in BOTH_NAME_MARKERS):
        return "both"
    if any(marker in name for marker in ORGANISATION_NAME_MARKERS):
        return "organisation"
    return "person"


def defaults_for(name: str, scenario: str) -> ItemDefaults:
    modes, why = modes_for(name, scenario)
    scope = next((note for marker, note in SCOPE_NOTES.items() if marker in name), "")
    return ItemDefaults(modes=modes, mode_reason=why, audience=audience_for(name), scope_note=scope)


def default_materials(audience: str) -> tuple[tuple[str, str], ...]:
    if audience == "organisation":
        return ORGANISATION_MATERIALS
    if audience == "both":
        return PERSON_MATERIALS + ORGANISATION_MATERIALS
    return PERSON_MATERIALS
