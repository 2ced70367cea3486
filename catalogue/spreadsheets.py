"""Cells and columns of the admin's spreadsheets: widgets and fields for django-import-export.

Generic over the catalogue's models, so that every resource (items, region guides…) reads a
cell the same way: an empty cell is empty text or no number, never an error; a choice is
written as its Chinese label and read as the label or the machine value of the API; a yes/no
as two words (是/否, 原件/复印件); a list of names joined by 、 as the national list writes it.

- `PendingField`: a to-many column (departments, materials) kept on the instance until the
  instance is saved, so a new row never touches a relation of an unsaved object, and
  "unchanged" compares what the row asks for with what the database holds;
- `LinesWidget` + `ChildRowsField`: child rows (materials) in one cell, one row per line, the
  parts separated by ｜ (file_formats.DetailWorkbook shows them as a sheet of their own).
"""

import re
from datetime import date, datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _
from import_export import fields, widgets

PART_SEPARATOR = "｜"  # between the parts of one line of a LinesWidget cell
LIST_SEPARATOR = "、"  # between the names of a list (departments, modes), as the national list writes
LIST_SPLIT = re.compile(r"[、,，;；\n]+")
PART_SPLIT = re.compile(r"[｜|]")


class FileProblem(ValueError):
    """The file as a whole cannot be read (wrong columns, a materials row for an unknown item…)."""


def clean_part(text: str) -> str:
    """A ｜ or a line break inside a part would split it on the way back in: made a space."""
    return re.sub(r"[｜|\r\n]+", " ", text)


def cell_text(value) -> str:
    """A cell as text: an empty cell is "", Excel's 20.0 is "20", a date cell its ISO date."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime) and value == datetime.combine(value.date(), datetime.min.time()):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def same_value(left, right) -> bool:
    """Equal, line endings aside: a workbook gives back LF for the CRLF a browser's textarea sent."""
    if isinstance(left, str) and isinstance(right, str):
        return left.replace("\r\n", "\n") == right.replace("\r\n", "\n")
    return left == right


# --- Widgets: one cell ⇄ one value ------------------------------------------------------------


class TextWidget(widgets.Widget):
    """Text as written, trimmed, with LF line breaks; an empty cell is "" (text columns are NOT NULL)."""

    def clean(self, value, row=None, **kwargs):
        return cell_text(value).replace("\r\n", "\n")

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class WholeNumberWidget(widgets.Widget):
    """A whole number; an empty cell is None (for a nullable field: the default applies)."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text}) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class ChoiceWidget(widgets.Widget):
    """One value of a choice, written as its label; the machine value (API) is accepted too.

    `labels` maps machine values to the labels written in files; `aliases` are further words
    accepted on import. A value without a label is written as itself.
    """

    def __init__(self, labels: dict, aliases: dict | None = None, empty=""):
        super().__init__()
        self.labels = labels
        self.empty = empty
        self.lookup = {str(value): value for value in labels} | {
            label: value for value, label in labels.items()
        }
        self.lookup |= aliases or {}

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return self.empty
        if text in self.lookup:
            return self.lookup[text]
        if text.lower() in self.lookup:
            return self.lookup[text.lower()]
        raise ValueError(
            _("“%(value)s” is not one of %(allowed)s.")
            % {"value": text, "allowed": LIST_SEPARATOR.join(self.labels.values())}
        )

    def render(self, value, obj=None, **kwargs):
        if value is None or value == "":
            return ""
        return self.labels.get(value, value)


class YesNoWidget(widgets.Widget):
    """A yes/no value written as two words (是/否, 原件/复印件, 必要/非必要); true/false/1/0 accepted."""

    TRUE = frozenset({"是", "true", "1", "yes", "y", "√", "✓"})
    FALSE = frozenset({"否", "false", "0", "no", "n", "×", "✗"})

    def __init__(self, yes: str = "是", no: str = "否", empty=None):
        super().__init__()
        self.yes, self.no, self.empty = yes, no, empty

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return self.empty
        if text == self.yes or text.lower() in self.TRUE:
            return True
        if text == self.no or text.lower() in self.FALSE:
            return False
        raise ValueError(
            _("“%(value)s” is neither %(yes)s nor %(no)s.") % {"value": text, "yes": self.yes, "no": self.no}
        )

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return self.yes if value else self.no


class FlagsWidget(widgets.Widget):
    """A set of named flags, written as their labels joined by 、 (全程网办、异地代收代办).

    Cleans to a tuple of the flags' keys in `labels` order; machine keys (online,proxy) and the
    separators , ， ; ； and new lines are accepted too.
    """

    def __init__(self, labels: dict[str, str]):
        super().__init__()
        self.labels = labels
        self.lookup = {key: key for key in labels} | {label: key for key, label in labels.items()}

    def clean(self, value, row=None, **kwargs):
        words = [word.strip() for word in LIST_SPLIT.split(cell_text(value)) if word.strip()]
        unknown = [word for word in words if word not in self.lookup and word.lower() not in self.lookup]
        if unknown:
            raise ValueError(
                _("Unknown value(s) %(unknown)s; use %(allowed)s.")
                % {
                    "unknown": LIST_SEPARATOR.join(unknown),
                    "allowed": LIST_SEPARATOR.join(self.labels.values()),
                }
            )
        chosen = {self.lookup.get(word, self.lookup.get(word.lower())) for word in words}
        return tuple(key for key in self.labels if key in chosen)

    def render(self, value, obj=None, **kwargs):
        return LIST_SEPARATOR.join(self.labels[key] for key in value or () if key in self.labels)


class NamedObjectWidget(widgets.ForeignKeyWidget):
    """A related object by its name; an unknown name is an error of the cell, not a crash of the row."""

    def __init__(self, model: type[Model], field: str = "name"):
        super().__init__(model, field=field)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        try:
            return self.model.objects.get(**{self.field: text})
        except self.model.DoesNotExist:
            raise ValueError(
                _("Unknown %(what)s: %(name)s.") % {"what": self.model._meta.verbose_name, "name": text}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else getattr(value, self.field)


class NamedObjectsWidget(widgets.Widget):
    """Related objects by name, joined by 、 in their order (e.g. the cooperating departments)."""

    def __init__(self, model: type[Model], field: str = "name"):
        super().__init__()
        self.model, self.field = model, field

    def clean(self, value, row=None, **kwargs):
        names = [name.strip() for name in LIST_SPLIT.split(cell_text(value)) if name.strip()]
        found = {
            getattr(obj, self.field): obj for obj in self.model.objects.filter(**{f"{self.field}__in": names})
        }
        unknown = [name for name in names if name not in found]
        if unknown:
            raise ValueError(
                _("Unknown %(what)s: %(names)s.")
                % {"what": self.model._meta.verbose_name, "names": LIST_SEPARATOR.join(unknown)}
            )
        if len(set(names)) != len(names):
            raise ValueError(_("A name is given twice."))
        return tuple(found[name] for name in names)

    def render(self, value, obj=None, **kwargs):
        return LIST_SEPARATOR.join(getattr(item, self.field) for item in value or ())


class Part(NamedTuple):
    """One part of a line of a LinesWidget: the model field, its header and how it is written."""

    attribute: str
    header: str
    widget: widgets.Widget
    default: object = None  # when the part is left out of a line; None: the part is required


class LinesWidget(widgets.Widget):
    """Child rows written in one cell: one row per line, its parts separated by ｜.

    Cleans to a tuple of tuples (the parts' values in order), each validated as an unsaved
    `model` row (lengths, choices, limits). Trailing parts may be left out (their defaults apply).
    """

    def __init__(self, model: type[Model], parts: list[Part], parent_field: str):
        super().__init__()
        self.model, self.parts, self.parent_field = model, parts, parent_field

    @property
    def headers(self) -> list[str]:
        return [part.header for part in self.parts]

    def clean(self, value, row=None, **kwargs):
        rows, problems = [], []
        lines = [line for line in cell_text(value).splitlines() if line.strip()]
        for number, line in enumerate(lines, start=1):
            try:
                rows.append(self._clean_line(line))
            except ValueError as error:
                problems.append(_("line %(number)s: %(problem)s") % {"number": number, "problem": error})
        if problems:
            raise ValueError("；".join(problems))
        return tuple(rows)

    def _clean_line(self, line: str) -> tuple:
        texts = [text.strip() for text in PART_SPLIT.split(line)]
        if len(texts) > len(self.parts):
            raise ValueError(
                _("%(count)s parts, at most %(most)s (%(headers)s).")
                % {"count": len(texts), "most": len(self.parts), "headers": PART_SEPARATOR.join(self.headers)}
            )
        values, problems = {}, []
        for index, part in enumerate(self.parts):
            text = texts[index] if index < len(texts) else ""
            try:
                value = part.widget.clean(text)
            except ValueError as error:
                problems.append(f"{part.header}：{error}")
                continue
            if value in (None, ""):
                if part.default is None:
                    problems.append(_("%(header)s is missing.") % {"header": part.header})
                    continue
                value = part.default
            values[part.attribute] = value
        if not problems:
            try:
                self.model(**values).clean_fields(exclude=self._not_in_line())
            except ValidationError as error:
                headers = {part.attribute: part.header for part in self.parts}
                problems += [
                    f"{headers.get(name, name)}：{message}"
                    for name, messages in error.message_dict.items()
                    for message in messages
                ]
        if problems:
            raise ValueError("，".join(problems))
        return tuple(values[part.attribute] for part in self.parts)

    def _not_in_line(self) -> list[str]:
        named = {part.attribute for part in self.parts}
        return [field.name for field in self.model._meta.fields if field.name not in named]

    def render(self, value, obj=None, **kwargs):
        return "\n".join(self.render_line(values) for values in value or ())

    def render_line(self, values: tuple) -> str:
        texts = [str(part.widget.render(v)) for part, v in zip(self.parts, values, strict=True)]
        return PART_SEPARATOR.join(clean_part(text) for text in texts)


# --- Fields --------------------------------------------------------------------------------------


class FlagsField(fields.Field):
    """Several boolean fields of the model shown as one column of flags (e.g. 办理模式)."""

    def __init__(self, column_name: str, flags: dict[str, str], labels: dict[str, str], attribute: str):
        super().__init__(attribute=attribute, column_name=column_name, widget=FlagsWidget(labels))
        self.flags = flags  # key → model field

    def get_value(self, obj):
        return tuple(key for key, field in self.flags.items() if getattr(obj, field))

    def save(self, instance, row, is_m2m=False, **kwargs):
        chosen = self.clean(row, **kwargs)
        for key, field in self.flags.items():
            setattr(instance, field, key in chosen)


class PendingField(fields.Field):
    """A to-many column kept on the instance until it is saved, then written by `write`.

    `get_value` returns what the row asked for if it was read, else what the database holds
    (nothing for an unsaved instance), so the preview's diff, "unchanged" and export all compare
    like with like.
    """

    def __init__(self, attribute: str, column_name: str, widget: widgets.Widget):
        super().__init__(attribute=attribute, column_name=column_name, widget=widget)

    @property
    def pending_attribute(self) -> str:
        return f"_imported_{self.attribute}"

    def get_value(self, obj):
        if hasattr(obj, self.pending_attribute):
            return getattr(obj, self.pending_attribute)
        if obj is None or obj.pk is None:
            return ()
        return self.read(obj)

    def save(self, instance, row, is_m2m=False, **kwargs):
        setattr(instance, self.pending_attribute, self.clean(row, **kwargs))

    def apply(self, instance, reason: str) -> None:
        if hasattr(instance, self.pending_attribute):
            wanted = getattr(instance, self.pending_attribute)
            if wanted != self.read(instance):
                self.write(instance, wanted, reason)
            delattr(instance, self.pending_attribute)

    def read(self, obj) -> tuple:
        raise NotImplementedError

    def write(self, instance, wanted: tuple, reason: str) -> None:
        raise NotImplementedError


class ChildRowsField(PendingField):
    """The child rows of a relation (e.g. an item's materials), in `position` order, as lines.

    Written row by row: the n-th line updates the n-th row, extra lines add rows, missing lines
    delete rows, so the history of each row shows exactly what changed.
    """

    def __init__(self, attribute: str, column_name: str, widget: LinesWidget):
        super().__init__(attribute=attribute, column_name=column_name, widget=widget)

    def _rows(self, obj) -> list:
        return sorted(getattr(obj, self.attribute).all(), key=lambda row: (row.position, row.pk))

    def read(self, obj) -> tuple:
        names = [part.attribute for part in self.widget.parts]
        return tuple(tuple(getattr(row, name) for name in names) for row in self._rows(obj))

    def write(self, instance, wanted: tuple, reason: str) -> None:
        names = [part.attribute for part in self.widget.parts]
        current = self._rows(instance)
        for position, values in enumerate(wanted, start=1):
            data = dict(zip(names, values, strict=True)) | {"position": position}
            if position <= len(current):
                row = current[position - 1]
                if any(getattr(row, name) != value for name, value in data.items()):
                    for name, value in data.items():
                        setattr(row, name, value)
                    row._change_reason = reason
                    row.save()
            else:
                row = self.widget.model(**{self.widget.parent_field: instance}, **data)
                row._change_reason = reason
                row.save()
        for row in current[len(wanted) :]:
            row._change_reason = reason
            row.delete()
        if hasattr(instance, "_prefetched_objects_cache"):
            instance._prefetched_objects_cache.pop(self.attribute, None)
