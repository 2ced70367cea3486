"""The national list CSV is a faithful transcription of the 国办发〔2020〕35号 attachment.

fixtures/national_list.csv was transcribed (partly by hand) from the PDF-to-text extraction kept in
fixtures/source/guobanfa-2020-35.txt.  These tests re-derive every row's text block straight from
that seed, independently of how the CSV was produced, and check that each row's fields account for
exactly the characters of its block: nothing missing, nothing extra, nothing moved between rows.

Seed quirks handled here:
- PDF table columns are broken across lines and sometimes share one line, so a row's fields are
  interleaved in its block.  Hence each field is checked as an (in order, not contiguous)
  subsequence of the block, plus a character-multiset equality over the whole row.
- All whitespace in the seed (line breaks, blank lines left by page breaks, justified spacing such
  as "国家卫 生 健 康 委" or "2021 年") is layout, not text, and is removed before comparing.
- Page-break residue: this extraction contains no page numbers, running headers or footers; page
  breaks only leave blank lines (and occasionally push the tail of one column below the next
  column, e.g. batch 1 #1 "限制。", batch 1 #12, batch 2 #26).  A test below asserts that no
  page-number-like line exists in the list region, so if a re-extraction ever adds some, this
  file has to be revisited rather than silently mis-cut.
- Batch 3 has no 配合单位 column.  Its item 7 has "人力资源社会保障部（配合单位：国家医保局）" in the
  牵头单位 column; the CSV keeps the parenthetical verbatim in lead_note and also records
  国家医保局 in cooperating_departments.  For batch 3 the cooperating_departments value is therefore
  derived from lead_note, not extra seed text, and is left out of the character multiset.
"""

import csv
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "source" / "guobanfa-2020-35.txt"
CSV_PATH = ROOT / "fixtures" / "national_list.csv"

HEADER = [
    "batch",
    "seq",
    "name",
    "scenario",
    "lead_department",
    "cooperating_departments",
    "deadline",
    "lead_note",
]
TEXT_FIELDS = ["name", "scenario", "lead_department", "cooperating_departments", "deadline", "lead_note"]
EXPECTED_COUNTS = {1: 58, 2: 74, 3: 8}

DEPARTMENTS = {
    "最高人民法院",
    "人力资源社会保障部",
    "住房城乡建设部",
    "国家卫生健康委",
    "市场监管总局",
    "自然资源部",
    "生态环境部",
    "交通运输部",
    "国家医保局",
    "中国民航局",
    "国家邮政局",
    "国家药监局",
    "国家林草局",
    "海关总署",
    "中国残联",
    "中国人民银行",
    "税务总局",
    "司法部",
    "教育部",
    "公安部",
    "民政部",
    "商务部",
}

# Whitespace-free prefixes of the lines that delimit the list in the seed.
SECTION_HEADINGS = {
    1: "一、2020年底前实现“跨省通办”的事项",
    2: "二、2021年底前实现“跨省通办”的事项",
    3: "三、2021年以后实现“跨省通办”的事项",
}
COLUMN_HEADER_PREFIX = "序号“跨省通办”事项应用场景牵头单位"
NOTE_PREFIX = "注："

ROW_START = re.compile(r"^\s*(\d+)(?:\s|$)")
PAGE_NUMBER_LIKE = re.compile(r"^[\s\-—–－]*(?:第\s*)?\d+(?:\s*页)?[\s\-—–－]*$")


def squash(text):
    """Remove every whitespace character (the PDF's layout, not the list's text)."""
    return re.sub(r"\s+", "", text)


def is_subsequence(needle, haystack):
    chars = iter(haystack)
    return all(ch in chars for ch in needle)


def is_interleaving(block, parts):
    """True if block can be split into the given strings, each kept in order (columns interleave).

    parts are given in column order (left to right).  The PDF text runs left to right within a
    line and top to bottom across lines, so a column's text never begins before the text of the
    column to its left has begun: part k may only take characters once part k-1 has started.
    """
    if sum(map(len, parts)) != len(block):
        return False
    start = tuple(0 for _ in parts)
    seen = {start}
    stack = [start]
    while stack:
        state = stack.pop()
        pos = sum(state)
        if pos == len(block):
            return True
        for k, part in enumerate(parts):
            if k and state[k] == 0 and state[k - 1] == 0:
                continue
            if state[k] < len(part) and part[state[k]] == block[pos]:
                nxt = state[:k] + (state[k] + 1,) + state[k + 1 :]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
    return False


@lru_cache(maxsize=1)
def seed_lines():
    return SEED.read_text(encoding="utf-8").split("\n")


def find_line(prefix, start=0):
    lines = seed_lines()
    hits = [i for i in range(start, len(lines)) if squash(lines[i]).startswith(prefix)]
    assert hits, f"seed has no line starting with {prefix!r} after line {start + 1}"
    return hits[0]


@lru_cache(maxsize=1)
def section_bounds():
    """batch -> (first line index after the column header, index of the line ending the section)."""
    headings = {batch: find_line(prefix) for batch, prefix in SECTION_HEADINGS.items()}
    note = find_line(NOTE_PREFIX, headings[3])
    ends = {1: headings[2], 2: headings[3], 3: note}
    bounds = {}
    for batch, heading in headings.items():
        header = find_line(COLUMN_HEADER_PREFIX, heading)
        assert header < ends[batch], f"column header of batch {batch} is outside its section"
        bounds[batch] = (header + 1, ends[batch])
    return bounds


@lru_cache(maxsize=1)
def seed_row_starts():
    """batch -> list of line indexes where rows 1..n start.

    A row starts at a line beginning with the next expected sequence number.  Requiring the
    *next* number keeps deadline lines such as "2021 年在京" (batch 3) from being taken as rows.
    """
    starts = {}
    lines = seed_lines()
    for batch, (first, end) in section_bounds().items():
        found = []
        for i in range(first, end):
            match = ROW_START.match(lines[i])
            if match and int(match.group(1)) == len(found) + 1:
                found.append(i)
        starts[batch] = found
    return starts


@lru_cache(maxsize=1)
def seed_blocks():
    """(batch, seq) -> the row's seed text with all whitespace removed (sequence number included)."""
    lines = seed_lines()
    blocks = {}
    for batch, starts in seed_row_starts().items():
        end = section_bounds()[batch][1]
        for k, start in enumerate(starts):
            stop = starts[k + 1] if k + 1 < len(starts) else end
            blocks[(batch, k + 1)] = squash("\n".join(lines[start:stop]))
    return blocks


@lru_cache(maxsize=1)
def csv_rows():
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        assert header == HEADER
        return [dict(zip(HEADER, values, strict=True)) for values in reader]


def row_by_key():
    return {(int(row["batch"]), int(row["seq"])): row for row in csv_rows()}


def describe(row):
    return f"batch {row['batch']} #{row['seq']}"


def row_parts(row):
    """The row's fields that come from seed text of the row's block: seq, then in column order."""
    parts = [row["seq"], row["name"], row["scenario"], row["lead_department"], row["lead_note"]]
    parts.append(row["deadline"])
    if row["batch"] != "3":
        # Batch 3 has no 配合单位 column; its cooperating_departments is derived from lead_note.
        parts.append(row["cooperating_departments"])
    return parts


def row_characters(row):
    return Counter("".join(row_parts(row)))


def test_the_seed_copy_has_the_three_sections_with_58_74_and_8_rows():
    assert {batch: len(starts) for batch, starts in seed_row_starts().items()} == EXPECTED_COUNTS


def test_the_seed_list_region_has_no_page_number_residue():
    lines = seed_lines()
    row_start_lines = {i for starts in seed_row_starts().values() for i in starts}
    first = section_bounds()[1][0]
    last = section_bounds()[3][1]
    residue = [
        (i + 1, lines[i])
        for i in range(first, last)
        if PAGE_NUMBER_LIKE.match(lines[i]) and lines[i].strip() and i not in row_start_lines
    ]
    assert residue == []


def test_the_csv_has_the_expected_header_and_140_rows():
    assert len(csv_rows()) == 140


def test_the_csv_has_58_74_and_8_rows_per_batch_in_list_order():
    batches = [int(row["batch"]) for row in csv_rows()]
    assert batches == sorted(batches)
    assert Counter(batches) == Counter(EXPECTED_COUNTS)


def test_sequence_numbers_run_from_one_without_gaps_in_each_batch():
    for batch, count in EXPECTED_COUNTS.items():
        seqs = [row["seq"] for row in csv_rows() if row["batch"] == str(batch)]
        assert seqs == [str(n) for n in range(1, count + 1)], f"batch {batch}"


def test_no_field_contains_whitespace():
    offenders = [
        (describe(row), field) for row in csv_rows() for field in HEADER if re.search(r"\s", row[field])
    ]
    assert offenders == []


def test_every_row_has_a_name_scenario_and_lead_department():
    offenders = [
        (describe(row), field)
        for row in csv_rows()
        for field in ("name", "scenario", "lead_department")
        if not row[field]
    ]
    assert offenders == []


def test_every_field_of_every_row_appears_in_order_in_the_seed_block_of_that_row():
    blocks = seed_blocks()
    failures = []
    for row in csv_rows():
        block = blocks[(int(row["batch"]), int(row["seq"]))]
        if not block.startswith(row["seq"]):
            failures.append((describe(row), "seq", row["seq"]))
        for field in TEXT_FIELDS:
            if not is_subsequence(row[field], block):
                failures.append((describe(row), field, row[field]))
    assert failures == []


def test_every_row_uses_exactly_the_characters_of_its_seed_block():
    blocks = seed_blocks()
    failures = []
    for row in csv_rows():
        block = blocks[(int(row["batch"]), int(row["seq"]))]
        expected = Counter(block)
        actual = row_characters(row)
        if actual != expected:
            failures.append(
                {
                    "row": describe(row),
                    "missing": "".join((expected - actual).elements()),
                    "extra": "".join((actual - expected).elements()),
                }
            )
    assert failures == []


def test_every_seed_block_is_its_row_fields_interleaved_in_column_order_after_the_sequence_number():
    blocks = seed_blocks()
    failures = []
    for row in csv_rows():
        block = blocks[(int(row["batch"]), int(row["seq"]))]
        seq, *fields = row_parts(row)
        if not block.startswith(seq) or not is_interleaving(block[len(seq) :], [f for f in fields if f]):
            failures.append(describe(row))
    assert failures == []


def test_every_scenario_opens_with_its_subject_and_closes_with_a_full_stop():
    openers = ("申请人", "领取养老金的申请人", "汇交人", "因家庭矛盾")
    offenders = [
        (describe(row), row["scenario"])
        for row in csv_rows()
        if not row["scenario"].startswith(openers) or not row["scenario"].endswith("。")
    ]
    assert offenders == []


def test_no_name_contains_sentence_punctuation():
    offenders = [(describe(row), row["name"]) for row in csv_rows() if re.search("[，。：]", row["name"])]
    assert offenders == []


def test_all_seed_blocks_are_covered_by_csv_rows():
    assert set(seed_blocks()) == set(row_by_key())


def test_every_department_is_one_of_the_22_normalised_names():
    unknown = []
    for row in csv_rows():
        if row["lead_department"] not in DEPARTMENTS:
            unknown.append((describe(row), row["lead_department"]))
        if row["cooperating_departments"]:
            for department in row["cooperating_departments"].split("、"):
                if department not in DEPARTMENTS:
                    unknown.append((describe(row), department))
    assert unknown == []


def test_no_department_cooperates_on_its_own_item_or_is_listed_twice():
    offenders = []
    for row in csv_rows():
        cooperating = row["cooperating_departments"].split("、") if row["cooperating_departments"] else []
        if row["lead_department"] in cooperating or len(set(cooperating)) != len(cooperating):
            offenders.append(describe(row))
    assert offenders == []


def test_deadlines_exist_only_in_batch_three():
    for row in csv_rows():
        if row["batch"] == "3":
            assert row["deadline"], describe(row)
        else:
            assert row["deadline"] == "", describe(row)


def test_only_batch_three_item_seven_has_a_lead_note_and_it_names_its_cooperating_department():
    noted = [(row["batch"], row["seq"]) for row in csv_rows() if row["lead_note"]]
    assert noted == [("3", "7")]
    for row in csv_rows():
        if row["batch"] == "3" and row["cooperating_departments"]:
            assert row["lead_note"] == f"（配合单位：{row['cooperating_departments']}）", describe(row)


def test_batch_one_item_one_is_the_academic_record_notarisation():
    row = row_by_key()[(1, 1)]
    assert row["name"] == "学历公证"
    assert row["scenario"] == (
        "申请人可异地申请博士研究生、硕士研究生、大学本科、大学专科学历公证，不受户籍地或学校所在地限制。"
    )
    assert row["lead_department"] == "司法部"
    assert row["cooperating_departments"] == "教育部"
    assert row["deadline"] == ""
    assert row["lead_note"] == ""


def test_batch_one_item_22_lists_six_cooperating_departments():
    row = row_by_key()[(1, 22)]
    assert row["name"] == "不动产登记资料查询（省会城市及计划单列市）"
    assert row["lead_department"] == "自然资源部"
    assert (
        row["cooperating_departments"] == "最高人民法院、公安部、民政部、司法部、国家卫生健康委、市场监管总局"
    )


def test_batch_one_item_25_whose_columns_share_lines_is_untangled():
    row = row_by_key()[(1, 25)]
    assert row["name"] == "个人住房公积金缴存贷款等信息查询"
    assert row["scenario"] == "申请人可异地查询个人住房公积金缴存贷款等信息，不受住房公积金缴存地限制。"
    assert row["lead_department"] == "住房城乡建设部"
    assert row["cooperating_departments"] == ""


def test_batch_one_item_12_split_by_a_page_break_is_rejoined():
    row = row_by_key()[(1, 12)]
    assert (
        row["scenario"] == "申请人可向转入地申请，转入地与军队经办机构协同办理退役军人养老保险关系转移接续。"
    )
    assert row["lead_department"] == "人力资源社会保障部"


def test_batch_two_item_one_is_the_criminal_record_certificate():
    row = row_by_key()[(2, 1)]
    assert row["name"] == "开具有无犯罪记录证明"
    assert row["scenario"] == "申请人可异地申请开具有无犯罪记录证明，不受户籍地限制。"
    assert row["lead_department"] == "公安部"
    assert row["cooperating_departments"] == ""


def test_batch_two_item_43_whose_columns_share_lines_is_untangled():
    row = row_by_key()[(2, 43)]
    assert row["name"] == "住房公积金单位登记开户"
    assert (
        row["scenario"] == "申请人可异地向注册地住房公积金管理中心申请住房公积金单位登记开户，不受地域限制。"
    )
    assert row["lead_department"] == "住房城乡建设部"
    assert row["cooperating_departments"] == "公安部、人力资源社会保障部、市场监管总局"


def test_batch_two_item_73_whose_columns_share_lines_is_untangled():
    row = row_by_key()[(2, 73)]
    assert row["name"] == "残疾类别/等级变更"
    assert row["scenario"] == "申请人可异地申请变更残疾类别/等级，不受户籍地限制。"
    assert row["lead_department"] == "中国残联"
    assert row["cooperating_departments"] == "公安部、国家卫生健康委"


def test_batch_three_item_three_keeps_the_full_marriage_registration_timetable():
    row = row_by_key()[(3, 3)]
    assert row["name"] == "结婚登记"
    assert row["lead_department"] == "民政部"
    assert row["deadline"] == (
        "2020年至2022年10月进行“省内通办”试点，2022年10月至2024年底进行“跨省通办”试点，"
        "力争2025年底前在县级以上婚姻登记机关全面实行全国“跨省通办”"
    )


def test_batch_three_item_seven_records_the_parenthetical_cooperating_department():
    row = row_by_key()[(3, 7)]
    assert row["name"] == "工伤职工异地就医结算"
    assert row["lead_department"] == "人力资源社会保障部"
    assert row["cooperating_departments"] == "国家医保局"
    assert row["lead_note"] == "（配合单位：国家医保局）"
    assert row["deadline"] == "2022年底前"


def test_batch_three_item_eight_separates_lead_department_from_deadline_on_a_shared_line():
    row = row_by_key()[(3, 8)]
    assert row["lead_department"] == "国家医保局"
    assert row["deadline"] == "2022年底前"
