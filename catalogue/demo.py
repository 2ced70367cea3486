"""Demo region guides (实施清单) and 跨省通办 windows for `setup_portal --demo`. Never run in production.

Made up to show how a region guide reads: the three demo provinces of cases/demo.py (广东 / 深圳,
四川 / 成都, 湖南 / 长沙), for the items the demo cases use (KS-2-001, KS-2-002, KS-1-007) and two
more. The materials lists look like a local guide's, but every guide and window is marked
`is_demo` (the page shows a 演示数据 badge and says it is made up), and the names, addresses and
phone numbers say 演示. Created once: a guide or window that exists is left as it is.
"""

from dataclasses import dataclass

from django.db import transaction

from cases.models import Office

from .models import Region, RegionGuide, RegionMaterial, ServiceItem, ServiceWindow

REASON = "演示数据（setup_portal --demo）"


@dataclass(frozen=True)
class DemoWindow:
    name: str
    region: str
    address: str
    hours: str
    phone: str
    office: str = ""  # code of a cases.demo.DEMO_OFFICES hall


WEEKDAYS = "周一至周五 9:00—12:00、14:00—18:00（法定节假日除外）"
WINDOWS = (
    DemoWindow(
        "深圳市南山区政务服务中心跨省通办专窗（演示）",
        "440305",
        "广东省深圳市南山区演示大道1号 南山区政务服务中心一楼 8号窗口（演示地址）",
        "周一至周五 9:00—12:00、14:00—18:00，周六 9:00—12:00（法定节假日除外）",
        "0755-00000001（演示号码）",
        office="demo-gd-nanshan-hall",
    ),
    DemoWindow(
        "深圳市行政服务大厅跨省通办专窗（演示）",
        "440300",
        "广东省深圳市福田区演示路2号 市行政服务大厅东厅（演示地址）",
        WEEKDAYS,
        "0755-00000002（演示号码）",
    ),
    DemoWindow(
        "成都市锦江区政务服务中心跨省通办专窗（演示）",
        "510104",
        "四川省成都市锦江区演示街18号 锦江区政务服务中心一楼 A区（演示地址）",
        "周一至周五 9:00—12:30、13:30—17:30（法定节假日除外）",
        "028-00000001（演示号码）",
    ),
    DemoWindow(
        "长沙市芙蓉区政务服务中心跨省通办专窗（演示）",
        "430102",
        "湖南省长沙市芙蓉区演示路88号 芙蓉区政务服务中心二楼（演示地址）",
        "周一至周五 8:30—12:00、14:30—17:30（法定节假日除外）",
        "0731-00000001（演示号码）",
        office="demo-hn-furong-hall",
    ),
)
NANSHAN, SHENZHEN, JINJIANG, FURONG = (window.name for window in WINDOWS)

# name, form, original needed, copies, required, source, note
ID_CARD = ("居民身份证", "paper", True, 1, True, "公安机关", "现场核验后退还")
MANDATE = (
    "授权委托书及受托人居民身份证",
    "paper",
    True,
    1,
    False,
    "申请人",
    "仅委托他人代为申请时提供",
)
SOCIAL_SECURITY_CARD = (
    "社会保障卡或居民身份证",
    "either",
    True,
    1,
    True,
    "人力资源社会保障部门或公安机关",
    "电子社会保障卡亦可",
)


@dataclass(frozen=True)
class DemoGuide:
    item: str
    region: str
    windows: tuple[str, ...]
    handling_offices: str
    contact: str
    materials: tuple[tuple, ...]
    promised_days: int | None = None
    conditions: str = ""
    fees: str = ""
    delivery_note: str = ""
    source: str = "演示数据，不是真实的地方实施清单。"


CRIMINAL_RECORD_FORM = (
    "开具有无犯罪记录证明申请表",
    "either",
    True,
    1,
    True,
    "办理窗口领取或网上填写",
    "写明证明用途（出国、就业、入学等）",
)
HOUSEHOLD_FORM = (
    "开具户籍类证明申请表",
    "either",
    True,
    1,
    True,
    "办理窗口领取或网上填写",
    "写明需证明的事项",
)
PENSION_FORM = (
    "基本养老保险关系转移接续申请表",
    "either",
    True,
    1,
    True,
    "转入地社会保险经办机构",
    "网上申请的在线填写",
)
PAYMENT_RECORD = (
    "参保缴费凭证",
    "electronic",
    False,
    1,
    False,
    "转出地社会保险经办机构",
    "转出地经办机构通过全国转移系统传递，申请人无需提供；系统中无记录的才需提供",
)

GUIDES = (
    # 开具有无犯罪记录证明 (KS-2-001): the demo's online cases are handled in 成都.
    DemoGuide(
        "KS-2-001",
        "510000",
        windows=(JINJIANG,),
        handling_offices="四川省各级公安机关户籍窗口（演示）",
        contact="028-00000000（演示号码）",
        promised_days=3,
        conditions="因出国（境）、就业、入学等需要，证明本人在四川省居住期间有无犯罪记录的个人。",
        fees="不收费",
        delivery_note="窗口领取；网上申请的，可下载电子证明",
        materials=(ID_CARD, CRIMINAL_RECORD_FORM, MANDATE),
    ),
    DemoGuide(
        "KS-2-001",
        "510100",
        windows=(JINJIANG,),
        handling_offices="成都市公安局锦江区分局户政科（演示）\n成都市各派出所户籍窗口（演示）",
        contact="028-00000002（演示号码）",
        promised_days=1,
        fees="不收费",
        delivery_note="窗口领取；网上申请的，可下载电子证明",
        materials=(
            ID_CARD,
            CRIMINAL_RECORD_FORM,
            ("用途证明材料", "either", False, 1, False, "用人单位或学校", "单位或学校要求写明用途时提供"),
            MANDATE,
        ),
    ),
    DemoGuide(
        "KS-2-001",
        "440000",
        windows=(NANSHAN, SHENZHEN),
        handling_offices="广东省各级公安机关户籍窗口（演示）",
        contact="0755-00000000（演示号码）",
        promised_days=3,
        fees="不收费",
        materials=(ID_CARD, CRIMINAL_RECORD_FORM, MANDATE),
    ),
    # 开具户籍类证明 (KS-2-002): the demo's proxy cases go from the 南山 window to 成都.
    DemoGuide(
        "KS-2-002",
        "510100",
        windows=(JINJIANG,),
        handling_offices="成都市公安局锦江区分局（演示）",
        contact="028-00000003（演示号码）",
        promised_days=5,
        fees="不收费",
        delivery_note="户籍地公安机关开具后，寄回受理窗口领取或邮寄到申请人",
        materials=(
            ID_CARD,
            HOUSEHOLD_FORM,
            (
                "无法取得居民户口簿的情况说明",
                "paper",
                True,
                1,
                True,
                "申请人",
                "由申请人签名，说明无法取得户口簿的原因",
            ),
            MANDATE,
        ),
    ),
    DemoGuide(
        "KS-2-002",
        "440300",
        windows=(NANSHAN, SHENZHEN),
        handling_offices="申请人户籍地公安机关（深圳窗口代收代办，演示）",
        contact="0755-00000003（演示号码）",
        delivery_note="户籍地公安机关开具后寄回受理窗口，窗口通知领取",
        materials=(
            ID_CARD,
            HOUSEHOLD_FORM,
            ("无法取得居民户口簿的情况说明", "paper", True, 1, True, "申请人", "由申请人签名"),
        ),
    ),
    # 企业职工基本养老保险关系转移接续 (KS-1-007): the demo's joint case, accepted in 深圳.
    DemoGuide(
        "KS-1-007",
        "440000",
        windows=(NANSHAN, SHENZHEN),
        handling_offices="转入地社会保险经办机构（演示）",
        contact="0755-00000004（演示号码）",
        promised_days=15,
        fees="不收费",
        materials=(SOCIAL_SECURITY_CARD, PENSION_FORM, PAYMENT_RECORD),
    ),
    DemoGuide(
        "KS-1-007",
        "440300",
        windows=(NANSHAN,),
        handling_offices="深圳市社会保险基金管理局南山分局（演示）",
        contact="0755-00000005（演示号码）",
        promised_days=10,
        fees="不收费",
        delivery_note="转移完成后短信告知；可网上查询转移进度",
        materials=(SOCIAL_SECURITY_CARD, PENSION_FORM, PAYMENT_RECORD),
    ),
    DemoGuide(
        "KS-1-007",
        "430000",
        windows=(FURONG,),
        handling_offices="湖南省各级社会保险经办机构（演示）",
        contact="0731-00000002（演示号码）",
        promised_days=15,
        fees="不收费",
        materials=(SOCIAL_SECURITY_CARD, PENSION_FORM, PAYMENT_RECORD),
    ),
    DemoGuide(
        "KS-1-007",
        "510000",
        windows=(JINJIANG,),
        handling_offices="四川省各级社会保险经办机构（演示）",
        contact="028-00000004（演示号码）",
        promised_days=15,
        fees="不收费",
        materials=(SOCIAL_SECURITY_CARD, PENSION_FORM, PAYMENT_RECORD),
    ),
    # 失业保险金申领 (KS-1-016): the national guide states the law's conditions; these add nothing to them.
    DemoGuide(
        "KS-1-016",
        "430100",
        windows=(FURONG,),
        handling_offices="长沙市芙蓉区人力资源和社会保障局（演示）",
        contact="0731-00000003（演示号码）",
        promised_days=5,
        fees="不收费",
        delivery_note="按月发放至本人社会保障卡金融账户",
        materials=(
            SOCIAL_SECURITY_CARD,
            (
                "解除或者终止劳动关系的证明",
                "either",
                False,
                1,
                True,
                "原用人单位",
                "单位已网上报送的，无需提供",
            ),
            ("失业登记", "electronic", False, 1, False, "就业服务机构", "已办理失业登记的，窗口通过系统核验"),
        ),
    ),
    DemoGuide(
        "KS-1-016",
        "440300",
        windows=(NANSHAN,),
        handling_offices="深圳市社会保险基金管理局（演示）",
        contact="0755-00000006（演示号码）",
        promised_days=5,
        fees="不收费",
        materials=(
            SOCIAL_SECURITY_CARD,
            (
                "解除或者终止劳动关系的证明",
                "either",
                False,
                1,
                True,
                "原用人单位",
                "单位已网上报送的，无需提供",
            ),
        ),
    ),
    # 异地就医结算备案 (KS-2-061)
    DemoGuide(
        "KS-2-061",
        "430000",
        windows=(FURONG,),
        handling_offices="参保地医疗保障经办机构（演示）",
        contact="0731-00000004（演示号码）",
        promised_days=0,
        fees="不收费",
        delivery_note="备案结果即时生效，可在国家医保服务平台查询",
        materials=(
            ("医保电子凭证、社会保障卡或居民身份证", "either", True, 1, True, "医疗保障部门", "任选其一"),
            (
                "跨省异地就医登记备案表",
                "either",
                True,
                1,
                True,
                "参保地医疗保障经办机构",
                "网上备案的在线填写",
            ),
        ),
    ),
    DemoGuide(
        "KS-2-061",
        "510000",
        windows=(JINJIANG,),
        handling_offices="参保地医疗保障经办机构（演示）",
        contact="028-00000005（演示号码）",
        promised_days=1,
        fees="不收费",
        materials=(
            ("医保电子凭证、社会保障卡或居民身份证", "either", True, 1, True, "医疗保障部门", "任选其一"),
            ("跨省异地就医登记备案表", "either", True, 1, True, "参保地医疗保障经办机构", ""),
        ),
    ),
)


@transaction.atomic
def create_demo_guides() -> int:
    """Create the demo windows and region guides that do not exist yet; returns how many were created.

    Existing rows (an earlier run's, or an admin's edit of them) are left as they are.
    """
    created = 0
    halls = {office.code: office for office in Office.objects.filter(code__startswith="demo-")}
    windows = {}
    for demo in WINDOWS:
        window = ServiceWindow.objects.filter(name=demo.name).first()
        if window is None:
            window = ServiceWindow(
                name=demo.name,
                region=Region.objects.get(code=demo.region),
                address=demo.address,
                hours=demo.hours,
                phone=demo.phone,
                office=halls.get(demo.office),
                is_demo=True,
            )
            window._change_reason = REASON
            window.save()
            created += 1
        windows[demo.name] = window
    items = {item.code: item for item in ServiceItem.objects.filter(code__in={g.item for g in GUIDES})}
    for demo in GUIDES:
        item = items.get(demo.item)
        if item is None or RegionGuide.objects.filter(item=item, region_id=demo.region).exists():
            continue
        guide = RegionGuide(
            item=item,
            region=Region.objects.get(code=demo.region),
            status=ServiceItem.Status.PUBLISHED,
            conditions=demo.conditions,
            fees=demo.fees,
            promised_days=demo.promised_days,
            delivery_note=demo.delivery_note,
            handling_offices=demo.handling_offices,
            contact=demo.contact,
            source=demo.source,
            is_demo=True,
        )
        guide.full_clean()
        guide._change_reason = REASON
        guide.save()
        for position, (name, form, original, copies, required, source, note) in enumerate(demo.materials, 1):
            material = RegionMaterial(
                guide=guide,
                position=position,
                name=name,
                form=form,
                original_required=original,
                copies=copies,
                required=required,
                source=source,
                note=f"（演示）{note}" if note else "（演示）",
            )
            material._change_reason = REASON
            material.save()
        guide.windows.set([windows[name] for name in demo.windows])
        created += 1
    return created
