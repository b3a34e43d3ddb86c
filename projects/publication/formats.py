"""The public lists as files: CSV for a spreadsheet, JSON for a program.

The CSV is UTF-8 with a byte-order mark (Excel then reads the Chinese right) and its header
row uses the official sheet's labels. A text cell that a spreadsheet would take for a formula
(starting with = + - @, a tab or a carriage return) is written with a leading apostrophe, as
OWASP's guidance on CSV injection advises: a name typed as `=HYPERLINK(...)` is shown, never
run. Totals are numbers the app wrote and are left as they are.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from projects import official

from .selectors import ListRow, row_to_dict

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# (header, the key of `row_to_dict`, whether the cell holds text someone typed)
CSV_COLUMNS = (
    ("编号", "id", False),
    ("年度", "year", False),
    (official.DEPARTMENT, "department", True),
    (official.UNIT, "unit", True),
    (official.PROJECT, "project", True),
    (official.TOTAL, "total", False),
    (official.GRADE, "grade", True),
    ("公开时间", "published_at", False),
    ("网页", "url", False),
    ("PDF", "pdf", False),
    ("JSON", "json", False),
)


def csv_text(value: Any) -> str:
    """A text cell as a spreadsheet will only ever show it (never run it as a formula)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def list_csv(rows: list[ListRow], base_url: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for header, _key, _text in CSV_COLUMNS])
    for row in rows:
        data = row_to_dict(row, base_url)
        writer.writerow(
            [
                csv_text(data[key]) if is_text else ("" if data[key] is None else data[key])
                for _header, key, is_text in CSV_COLUMNS
            ]
        )
    return (BOM + out.getvalue()).encode("utf-8")


def list_json(meta: dict[str, Any], rows: list[ListRow], base_url: str) -> bytes:
    """`meta` (the year, the department or bureau) and every row of the list."""
    data = {**meta, "count": len(rows), "sheets": [row_to_dict(row, base_url) for row in rows]}
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
