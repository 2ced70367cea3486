"""File formats of the admin's import and export: CSV that Excel reads, and workbooks with detail sheets.

`SpreadsheetCSV`: UTF-8 with a byte order mark, so Excel opens it as Chinese; a file Excel saved
as GB 18030 (GBK, the default of Chinese Windows) reads too.

`DetailWorkbook`: an .xlsx workbook whose first sheet has a meaningful name and whose columns of
lines (see spreadsheets.LinesWidget, e.g. the materials) become sheets of their own, one row per
line, and are folded back into their column on import, so a resource only knows the column.
"""

import re
from io import BytesIO
from typing import NamedTuple

import tablib
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.formats import base_formats

from .spreadsheets import LIST_SEPARATOR, PART_SEPARATOR, PART_SPLIT, FileProblem, cell_text, clean_part

ASCII_DIGITS = re.compile(r"[0-9]+")


class SpreadsheetCSV(base_formats.CSV):
    """CSV in UTF-8 with a byte order mark; a file saved by Excel as GB 18030 (GBK) reads too."""

    label = gettext_lazy("CSV text (.csv)")

    def is_binary(self):
        return True  # bytes in and out: the encoding is decided here, not by the admin

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode("utf-8-sig")
            except UnicodeDecodeError:
                in_stream = in_stream.decode("gb18030")
        return tablib.import_set(in_stream, format="csv")

    def export_data(self, dataset, **kwargs):
        return dataset.export("csv").encode("utf-8-sig")


class DetailSheet(NamedTuple):
    """A column of lines (see LinesWidget) shown in workbooks as a sheet of its own."""

    column: str  # the column of the main sheet
    title: str  # the sheet's name
    key: str  # the main sheet's key column, repeated on every row of this sheet
    position: str  # the header of the position column
    parts: list[str]  # the headers of the parts of a line


class DetailWorkbook(base_formats.XLSX):
    """An .xlsx workbook: the main sheet named `title`, then one sheet per `DetailSheet`.

    On import the detail sheets are folded back into their columns, in position order; an item
    of the main sheet without rows in a detail sheet has none. A workbook without the detail
    sheet leaves those rows alone (the column is absent).
    """

    label = gettext_lazy("Excel workbook (.xlsx)")
    title = "Sheet1"
    details: tuple[DetailSheet, ...] = ()
    widest = 60  # characters; longer cells wrap

    # Export

    def export_data(self, dataset, **kwargs):
        from openpyxl import Workbook

        book = Workbook()
        main = book.active
        main.title = self.title
        details = [d for d in self.details if d.column in dataset.headers and d.key in dataset.headers]
        detail_columns = [detail.column for detail in details]
        keep = [index for index, header in enumerate(dataset.headers) if header not in detail_columns]
        self._fill(main, [dataset.headers[i] for i in keep], ([row[i] for i in keep] for row in dataset))
        for detail in details:
            sheet = book.create_sheet(detail.title)
            self._fill(
                sheet, [detail.key, detail.position, *detail.parts], self._detail_rows(dataset, detail)
            )
        stream = BytesIO()
        book.save(stream)
        return stream.getvalue()

    def _detail_rows(self, dataset, detail: DetailSheet):
        key, column = dataset.headers.index(detail.key), dataset.headers.index(detail.column)
        for row in dataset:
            lines = [line for line in str(row[column] or "").splitlines() if line.strip()]
            for position, line in enumerate(lines, start=1):
                # Only ASCII digits are a number: "①", "²" or "１２" stay text, as typed.
                parts = [
                    int(part) if ASCII_DIGITS.fullmatch(part) else part for part in PART_SPLIT.split(line)
                ]
                yield [row[key], position, *parts, *[""] * (len(detail.parts) - len(parts))]

    def _fill(self, sheet, headers, rows) -> None:
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        widths = [display_width(header) for header in headers]
        for row in rows:
            sheet.append([None if value == "" else value for value in row])
            for index, cell in enumerate(sheet[sheet.max_row]):
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text that starts with = stays text, not a formula
                    if "\n" in cell.value or display_width(cell.value) > self.widest:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                widths[index] = max(widths[index], display_width(cell.value))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, self.widest)

    # Import

    def create_dataset(self, in_stream):
        from openpyxl import load_workbook

        try:
            book = load_workbook(BytesIO(in_stream), read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 (zip, XML, anything: it is not a workbook we can read)
            raise FileProblem(_("This is not an Excel workbook (.xlsx) that can be read.")) from error
        main = book[self.title] if self.title in book.sheetnames else book.worksheets[0]
        headers, rows = self._read(main)
        dataset = tablib.Dataset(*rows, headers=headers)
        for detail in self.details:
            if detail.title in book.sheetnames and book[detail.title] is not main:
                if detail.column in headers:
                    raise FileProblem(
                        _("%(column)s is given twice, as a column and as the sheet %(sheet)s: keep one.")
                        % {"column": detail.column, "sheet": detail.title}
                    )
                dataset.append_col(self._fold(book[detail.title], detail, dataset), header=detail.column)
        return dataset

    def _read(self, sheet) -> tuple[list[str], list[list]]:
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        if not rows:
            return [], []
        headers = [cell_text(header) for header in rows[0]]
        width = len(headers)
        body = [row + [None] * (width - len(row)) for row in rows[1:]]
        # Unnamed columns are dropped if empty (Excel keeps formatted but empty ones).
        for index in reversed(range(width)):
            if headers[index] == "":
                if any(cell_text(row[index]) for row in body):
                    raise FileProblem(
                        _("Sheet %(sheet)s: column %(number)s has values but no name in row 1.")
                        % {"sheet": sheet.title, "number": index + 1}
                    )
                del headers[index]
                for row in body:
                    del row[index]
        while body and all(cell_text(value) == "" for value in body[-1]):
            body.pop()  # trailing blank rows; blank rows inside are kept so row numbers stay true
        return headers, [row[: len(headers)] for row in body]

    def _fold(self, sheet, detail: DetailSheet, dataset) -> list[str]:
        headers, rows = self._read(sheet)
        missing = [header for header in [detail.key, *detail.parts[:1]] if header not in headers]
        if missing:
            raise FileProblem(
                _("Sheet %(sheet)s needs the columns %(columns)s.")
                % {"sheet": detail.title, "columns": LIST_SEPARATOR.join([detail.key, *detail.parts])}
            )
        unknown = [header for header in headers if header not in (detail.key, detail.position, *detail.parts)]
        if unknown:
            raise FileProblem(
                _("Sheet %(sheet)s: unknown column(s) %(columns)s.")
                % {"sheet": detail.title, "columns": LIST_SEPARATOR.join(unknown)}
            )
        keys = [cell_text(value) for value in dataset[detail.key]] if detail.key in dataset.headers else []
        lines: dict[str, list] = {key: [] for key in keys}
        strays = []
        for number, row in enumerate(rows, start=2):
            cells = dict(zip(headers, row, strict=True))
            if all(cell_text(value) == "" for value in row):
                continue
            key = cell_text(cells[detail.key])
            if key not in lines:
                label = key or _("no code")
                strays.append(f"{number}（{label}）")
                continue
            position = cell_text(cells.get(detail.position))
            order = (0, int(position)) if ASCII_DIGITS.fullmatch(position) else (1, 0)
            line = PART_SEPARATOR.join(clean_part(cell_text(cells.get(part))) for part in detail.parts)
            lines[key].append((order, number, line.rstrip(PART_SEPARATOR)))
        if strays:
            raise FileProblem(
                _("Sheet %(sheet)s, row(s) %(rows)s: the %(key)s is not in the sheet %(main)s.")
                % {"sheet": detail.title, "rows": "、".join(strays), "key": detail.key, "main": self.title}
            )
        return ["\n".join(line for *_order, line in sorted(lines[key])) for key in keys]


def display_width(value) -> int:
    """Columns a value takes in a spreadsheet: CJK characters count twice; the longest line counts."""
    if value is None:
        return 0
    return max(sum(2 if ord(char) > 0x2E7F else 1 for char in line) for line in str(value).split("\n"))
