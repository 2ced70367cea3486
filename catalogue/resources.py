"""Excel/CSV export and import of the item list and its materials, used by the admin.

The file speaks the list's language: Chinese column headers (事项代码, 批次, 序号, 事项名称…) and
values (批次 2020年底前, 办理模式 全程网办、异地代收代办, 服务对象 个人, 状态 已发布…). They are fixed
here, not translated, so a file exported under any admin language imports under any other; the
API's field names as headers and its machine values (online, person, published…) are accepted
too. In a workbook the materials are a second sheet, 申请材料, one row per material; in a CSV they
are the column 申请材料, one material per line: 材料名称｜材料形式｜原件或复印件｜份数｜是否必要｜来源｜备注.
docs/catalogue.md, "Import and export", describes the format.

Import is all or nothing: the admin shows a preview first (new, changed and unchanged rows, the
changed cells), and a file with any invalid row (an unknown department, a promised limit above
the statutory one, a malformed code…) is refused whole, each problem listed with its row, column
and message. Unchanged rows write nothing; the rest is written in one transaction and recorded
in the history (who, when, "Imported from <file>").
"""

from typing import NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from import_export import fields, instance_loaders, resources, results

from cases.models import Office

from .file_formats import DetailSheet, DetailWorkbook
from .models import (
    Department,
    ItemCooperation,
    MaterialRequirement,
    Region,
    RegionGuide,
    RegionMaterial,
    ServiceItem,
    ServiceWindow,
)
from .services import DELIVERY_FIELDS, MODE_FIELDS
from .spreadsheets import (
    LIST_SEPARATOR,
    ChildRowsField,
    ChoiceWidget,
    FileProblem,
    FlagsField,
    LinesWidget,
    NamedObjectsWidget,
    NamedObjectWidget,
    Part,
    PendingField,
    TextWidget,
    WholeNumberWidget,
    YesNoWidget,
    cell_text,
    same_value,
)


class Problem(NamedTuple):
    column: str
    message: str


class SpreadsheetResult(results.Result):
    """A result whose invalid rows carry their spreadsheet row, key and (column, message) pairs."""

    def __init__(self, *args, columns: dict[str, str], order: list[str], key_column: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns, self.order, self.key_column = columns, order, key_column

    def append_invalid_row(self, number, row, validation_error):
        super().append_invalid_row(number, row, validation_error)
        invalid = self.invalid_rows[-1]
        invalid.sheet_row = number + 1  # the header is row 1
        invalid.key = cell_text(row.get(self.key_column))
        problems = []
        for name, messages in invalid.error_dict.items():
            column = _("whole row") if name == NON_FIELD_ERRORS else self.columns.get(name, name)
            problems += [Problem(str(column), message) for message in messages]
        rank = {column: index for index, column in enumerate(self.order)}
        invalid.problems = sorted(problems, key=lambda problem: rank.get(problem.column, len(rank)))


class ChangedCell(NamedTuple):
    column: str
    html: str
    changed: bool

    def __str__(self):
        return self.html


class SpreadsheetDiff(resources.Diff):
    """The preview's diff, cell by cell, each cell knowing its column and whether it changed."""

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.headers = resource.get_diff_headers()

    def as_html(self):
        cells = super().as_html()
        return [
            ChangedCell(header, html, right not in ("", None) if self.new else not same_value(left, right))
            for header, html, left, right in zip(self.headers, cells, self.left, self.right, strict=True)
        ]


class SpreadsheetResource(resources.ModelResource):
    """What every catalogue spreadsheet resource shares; subclasses declare their columns.

    `error_columns` maps model fields that are not columns themselves to the column that sets
    them (e.g. supports_online → 办理模式), so that model validation errors name a column too.
    """

    error_columns: dict[str, str] = {}

    def get_result_class(self):
        columns = {field.attribute: field.column_name for field in self.get_import_fields()}
        columns |= {
            name: self.fields[attribute].column_name for name, attribute in self.error_columns.items()
        }
        key = self.fields[self.get_import_id_fields()[0]].column_name

        def result():
            return SpreadsheetResult(columns=columns, order=self.get_diff_headers(), key_column=key)

        return result

    def get_diff_class(self):
        return SpreadsheetDiff

    # The file as a whole

    def before_import(self, dataset, **kwargs):
        self.refused = False
        try:
            self.check_headers(dataset)
        except FileProblem:
            self.refused = True
            raise

    def check_headers(self, dataset) -> None:
        by_name = {name: field.column_name for name, field in self.fields.items()}
        headers = [cell_text(header) for header in dataset.headers or []]
        dataset.headers = [by_name.get(header, header) for header in headers]
        known = [field.column_name for field in self.get_import_fields()]
        unknown = [
            header or _("(a column without a name)") for header in dataset.headers if header not in known
        ]
        if unknown:
            raise FileProblem(
                _("Unknown column(s): %(unknown)s. Use the columns of an export: %(known)s.")
                % {"unknown": LIST_SEPARATOR.join(unknown), "known": LIST_SEPARATOR.join(known)}
            )
        twice = sorted({header for header in dataset.headers if dataset.headers.count(header) > 1})
        if twice:
            raise FileProblem(
                _("Column(s) given twice: %(columns)s.") % {"columns": LIST_SEPARATOR.join(twice)}
            )
        key = self.fields[self.get_import_id_fields()[0]].column_name
        if key not in dataset.headers:
            raise FileProblem(_("The file has no %(column)s column: every row needs one.") % {"column": key})

    # Rows

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged: every column equals the database (line endings aside); a new row never is."""
        if (
            not self._meta.skip_unchanged
            or import_validation_errors
            or original is None
            or original.pk is None
        ):
            return False
        return all(
            same_value(field.get_value(instance), field.get_value(original))
            for field in self.get_import_fields()
        )

    def import_row(self, row, instance_loader, **kwargs):
        if getattr(self, "refused", False) or all(cell_text(value) == "" for value in row.values()):
            skipped = self.get_row_result_class()()
            skipped.import_type = results.RowResult.IMPORT_TYPE_SKIP
            return skipped
        return super().import_row(row, instance_loader, **kwargs)

    def pending_fields(self) -> list[PendingField]:
        return [field for field in self.get_import_fields() if isinstance(field, PendingField)]

    def change_reason(self, **kwargs) -> str:
        return _("Imported from %(file)s") % {"file": kwargs.get("file_name") or _("a file")}

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = self.change_reason(**kwargs)

    def after_save_instance(self, instance, row, **kwargs):
        if kwargs.get("dry_run") and not kwargs.get("using_transactions"):
            return  # nothing was saved, nothing to hang the relations on
        for field in self.pending_fields():
            field.apply(instance, self.change_reason(**kwargs))


# --- The item list ---------------------------------------------------------------------------------

# The file's words (see the module docstring): the list's own where it has them.
BATCH_LABELS = {1: "2020年底前", 2: "2021年底前", 3: "2021年以后"}
AUDIENCE_LABELS = {"person": "个人", "organisation": "法人", "both": "个人和法人"}
STATUS_LABELS = {"draft": "草稿", "published": "已发布", "retired": "已废止"}
CHANNEL_LABELS = {
    "portal": "本平台申办",
    "office": "到所在地机关现场办理",
    "point_of_service": "在服务提供地直接结算",
}
STATUS_ALIASES = {"已停用": "retired"}
ITEM_TYPE_LABELS = {
    "licensing": "行政许可",
    "confirmation": "行政确认",
    "payment": "行政给付",
    "filing": "备案",
    "public_service": "公共服务",
    "other": "其他行政权力",
}
MODE_LABELS = {"online": "全程网办", "proxy": "异地代收代办", "joint": "多地联办"}
DELIVERY_LABELS = {"window": "窗口领取", "post": "邮寄送达", "online": "网上送达"}
MATERIAL_FORM_LABELS = {"paper": "纸质", "electronic": "电子", "either": "纸质或电子"}

ITEMS_SHEET = "跨省通办事项清单"  # also the stem of the export's file name
MATERIALS_COLUMN = "申请材料"
CODE_COLUMN = "事项代码"

MATERIAL_PARTS = [
    Part("name", "材料名称", TextWidget()),
    Part("form", "材料形式", ChoiceWidget(MATERIAL_FORM_LABELS), MaterialRequirement.Form.EITHER),
    Part("original_required", "原件或复印件", YesNoWidget("原件", "复印件"), False),
    Part("copies", "份数", WholeNumberWidget(), 1),
    Part("required", "是否必要", YesNoWidget("必要", "非必要"), True),
    Part("source", "来源", TextWidget(), ""),
    Part("note", "备注", TextWidget(), ""),
]


class ItemWorkbook(DetailWorkbook):
    title = ITEMS_SHEET
    details = (
        DetailSheet(
            column=MATERIALS_COLUMN,
            title=MATERIALS_COLUMN,
            key=CODE_COLUMN,
            position="材料序号",
            parts=[part.header for part in MATERIAL_PARTS],
        ),
    )


class CooperatingField(PendingField):
    """The cooperating departments in the list's order (kept on the link rows' `position`)."""

    def read(self, obj) -> tuple:
        links = sorted(obj.cooperations.all(), key=lambda link: (link.position, link.pk))
        return tuple(link.department for link in links)

    def write(self, instance, wanted: tuple, reason: str) -> None:
        links = {link.department_id: link for link in instance.cooperations.all()}
        keep = {department.pk for department in wanted}
        for department_id, link in links.items():
            if department_id not in keep:
                link._change_reason = reason
                link.delete()
        for position, department in enumerate(wanted, start=1):
            link = links.get(department.pk) or ItemCooperation(item=instance, department=department)
            if link.pk is None or link.position != position:
                link.position = position
                link._change_reason = reason
                link.save()
        if hasattr(instance, "_prefetched_objects_cache"):
            instance._prefetched_objects_cache.pop("cooperations", None)


def column(attribute: str, header: str, widget) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=header, widget=widget)


class ItemResource(SpreadsheetResource):
    code = column("code", CODE_COLUMN, TextWidget())
    batch = column("batch", "批次", ChoiceWidget(BATCH_LABELS, empty=None))
    seq = column("seq", "序号", WholeNumberWidget())
    name = column("name", "事项名称", TextWidget())
    scenario = column("scenario", "应用场景", TextWidget())
    lead_department = column("lead_department", "牵头单位", NamedObjectWidget(Department))
    lead_department_note = column("lead_department_note", "牵头单位栏备注", TextWidget())
    cooperating_departments = CooperatingField(
        "cooperating_departments", "配合单位", NamedObjectsWidget(Department)
    )
    deadline = column("deadline", "完成时限", TextWidget())
    scope_note = column("scope_note", "适用范围", TextWidget())
    standard_code = column("standard_code", "基本目录事项编码", TextWidget())
    legal_basis = column("legal_basis", "设定依据", TextWidget())
    item_type = column("item_type", "事项类型", ChoiceWidget(ITEM_TYPE_LABELS))
    handling_level = column("handling_level", "行使层级", TextWidget())
    prerequisites = column("prerequisites", "前置环节", TextWidget())
    audience = column("audience", "服务对象", ChoiceWidget(AUDIENCE_LABELS))
    channel = column("channel", "办理途径", ChoiceWidget(CHANNEL_LABELS, empty="portal"))  # the default
    in_person = column("in_person", "须本人到场", YesNoWidget(empty=False))
    where_to_go = column("where_to_go", "办理地点", TextWidget())
    modes = FlagsField("办理模式", MODE_FIELDS, MODE_LABELS, attribute="modes")
    statutory_days = column("statutory_days", "法定办结时限（工作日）", WholeNumberWidget())
    promised_days = column("promised_days", "承诺办结时限（工作日）", WholeNumberWidget())
    time_limit_note = column("time_limit_note", "时限说明", TextWidget())
    fees = column("fees", "收费标准", TextWidget())
    conditions = column("conditions", "受理条件", TextWidget())
    result_name = column("result_name", "办理结果", TextWidget())
    delivery_options = FlagsField("送达方式", DELIVERY_FIELDS, DELIVERY_LABELS, attribute="delivery_options")
    status = column("status", "状态", ChoiceWidget(STATUS_LABELS, aliases=STATUS_ALIASES))
    materials = ChildRowsField(
        "materials", MATERIALS_COLUMN, LinesWidget(MaterialRequirement, MATERIAL_PARTS, parent_field="item")
    )

    error_columns = {field: "modes" for field in MODE_FIELDS.values()} | {
        field: "delivery_options" for field in DELIVERY_FIELDS.values()
    }

    class Meta:
        model = ServiceItem
        name = "跨省通办事项"
        import_id_fields = ["code"]
        instance_loader_class = instance_loaders.CachedInstanceLoader
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        fields = [
            "code",
            "batch",
            "seq",
            "name",
            "scenario",
            "lead_department",
            "lead_department_note",
            "cooperating_departments",
            "deadline",
            "scope_note",
            "standard_code",
            "legal_basis",
            "item_type",
            "handling_level",
            "prerequisites",
            "audience",
            "channel",
            "in_person",
            "where_to_go",
            "modes",
            "statutory_days",
            "promised_days",
            "time_limit_note",
            "fees",
            "conditions",
            "result_name",
            "delivery_options",
            "status",
            "materials",
        ]
        export_order = fields

    def get_queryset(self):
        return self.filter_export(ServiceItem.objects.all())

    def filter_export(self, queryset, **kwargs):
        links = ItemCooperation.objects.select_related("department").order_by("position", "id")
        materials = MaterialRequirement.objects.order_by("position", "id")
        # prefetch_related(None) first: whatever was asked before (get_queryset), these exactly.
        return (
            queryset.select_related("lead_department")
            .prefetch_related(None)
            .prefetch_related(Prefetch("cooperations", links), Prefetch("materials", materials))
        )


# --- Region guides (实施清单) and 跨省通办 windows ---------------------------------------------------
# The same file language as the item list: Chinese headers and values, empty cells empty. A guide
# is keyed by 事项代码 + 地区代码; its materials are a second sheet (workbook) or the 申请材料 column
# (CSV), matched to the guide by 清单编号 (事项代码/地区代码, e.g. KS-2-001/510100), which the export
# writes and the import checks against the two codes. Windows are named in 受理窗口 by their names.
# Imported here, beside the only resources that need them (move up when the file is next tidied).


GUIDES_SHEET = "地方实施清单"  # also the stem of the export's file name
WINDOWS_SHEET = "跨省通办窗口"
GUIDE_KEY_COLUMN = "清单编号"
WINDOW_NAME_COLUMN = "窗口名称"


class RegionGuideWorkbook(DetailWorkbook):
    title = GUIDES_SHEET
    details = (
        DetailSheet(
            column=MATERIALS_COLUMN,
            title=MATERIALS_COLUMN,
            key=GUIDE_KEY_COLUMN,
            position="材料序号",
            parts=[part.header for part in MATERIAL_PARTS],
        ),
    )


class WindowWorkbook(DetailWorkbook):
    title = WINDOWS_SHEET


class GuideKeyField(fields.Field):
    """清单编号: written by the export; on import only checked against 事项代码 and 地区代码."""

    def __init__(self):
        super().__init__(attribute="key", column_name=GUIDE_KEY_COLUMN, widget=TextWidget(), readonly=True)

    def get_value(self, obj):
        return obj.key if obj is not None and obj.item_id and obj.region_id else ""


class WindowsField(PendingField):
    """The windows that accept the item, by name, joined by 、 in name order (a set: order is not kept)."""

    def read(self, obj) -> tuple:
        return tuple(sorted(obj.windows.all(), key=lambda window: window.name))

    def save(self, instance, row, is_m2m=False, **kwargs):
        wanted = self.clean(row, **kwargs)
        setattr(instance, self.pending_attribute, tuple(sorted(wanted, key=lambda window: window.name)))

    def write(self, instance, wanted: tuple, reason: str) -> None:
        instance._change_reason = reason
        instance.windows.set(wanted)
        if hasattr(instance, "_prefetched_objects_cache"):
            instance._prefetched_objects_cache.pop("windows", None)


class GuideLoader(instance_loaders.ModelInstanceLoader):
    """By 事项代码 + 地区代码; an unknown code is a new row here and an error of its cell later."""

    def get_instance(self, row):
        try:
            return super().get_instance(row)
        except ValueError:
            return None


class RegionGuideResource(SpreadsheetResource):
    key = GuideKeyField()
    item = column("item", CODE_COLUMN, NamedObjectWidget(ServiceItem, field="code"))
    item_name = fields.Field(
        attribute="item__name", column_name="事项名称", widget=TextWidget(), readonly=True
    )
    region = column("region", "地区代码", NamedObjectWidget(Region, field="code"))
    region_name = fields.Field(
        attribute="region__name", column_name="地区名称", widget=TextWidget(), readonly=True
    )
    status = column("status", "状态", ChoiceWidget(STATUS_LABELS, aliases=STATUS_ALIASES))
    conditions = column("conditions", "受理条件", TextWidget())
    materials = ChildRowsField(
        "materials", MATERIALS_COLUMN, LinesWidget(RegionMaterial, MATERIAL_PARTS, parent_field="guide")
    )
    fees = column("fees", "收费标准", TextWidget())
    promised_days = column("promised_days", "承诺办结时限（工作日）", WholeNumberWidget())
    delivery_note = column("delivery_note", "送达方式说明", TextWidget())
    handling_offices = column("handling_offices", "办理机构", TextWidget())
    windows = WindowsField("windows", "受理窗口", NamedObjectsWidget(ServiceWindow))
    contact = column("contact", "咨询方式", TextWidget())
    source = column("source", "发布来源", TextWidget())
    is_demo = column("is_demo", "演示数据", YesNoWidget(empty=False))

    class Meta:
        model = RegionGuide
        name = "地方实施清单"
        import_id_fields = ["item", "region"]
        instance_loader_class = GuideLoader
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        fields = [
            "key",
            "item",
            "item_name",
            "region",
            "region_name",
            "status",
            "conditions",
            "materials",
            "fees",
            "promised_days",
            "delivery_note",
            "handling_offices",
            "windows",
            "contact",
            "source",
            "is_demo",
        ]
        export_order = fields

    def import_instance(self, instance, row, **kwargs):
        instance._row_key = cell_text(row.get(GUIDE_KEY_COLUMN))
        super().import_instance(instance, row, **kwargs)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.item_id and instance.region_id:
            given = getattr(instance, "_row_key", "")
            if given and given != instance.key:
                errors["key"] = ValidationError(
                    _("%(given)s does not match 事项代码 and 地区代码 (%(key)s): correct one or empty it.")
                    % {"given": given, "key": instance.key}
                )
            outside = instance.windows_outside(
                getattr(instance, self.fields["windows"].pending_attribute, ())
            )
            if outside:
                errors["windows"] = ValidationError(
                    _("Not in %(region)s: %(windows)s.")
                    % {
                        "region": instance.region.name,
                        "windows": LIST_SEPARATOR.join(w.name for w in outside),
                    }
                )
        super().validate_instance(instance, errors, validate_unique)

    def get_queryset(self):
        return self.filter_export(RegionGuide.objects.all())

    def filter_export(self, queryset, **kwargs):
        materials = RegionMaterial.objects.order_by("position", "id")
        return (
            queryset.select_related("item", "region")
            .prefetch_related(None)
            .prefetch_related(Prefetch("materials", materials), "windows")
            .order_by("item__batch", "item__seq", "region_id")
        )


class ServiceWindowResource(SpreadsheetResource):
    name = column("name", WINDOW_NAME_COLUMN, TextWidget())
    region = column("region", "地区代码", NamedObjectWidget(Region, field="code"))
    region_name = fields.Field(
        attribute="region__name", column_name="地区名称", widget=TextWidget(), readonly=True
    )
    address = column("address", "地址", TextWidget())
    hours = column("hours", "办公时间", TextWidget())
    phone = column("phone", "咨询电话", TextWidget())
    office = column("office", "服务大厅代码", NamedObjectWidget(Office, field="code"))
    is_demo = column("is_demo", "演示数据", YesNoWidget(empty=False))

    class Meta:
        model = ServiceWindow
        name = "跨省通办窗口"
        import_id_fields = ["name"]
        instance_loader_class = instance_loaders.CachedInstanceLoader
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        fields = ["name", "region", "region_name", "address", "hours", "phone", "office", "is_demo"]
        export_order = fields

    def get_queryset(self):
        return ServiceWindow.objects.select_related("region", "office").order_by("region_id", "name")
