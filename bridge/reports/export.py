"""CSV and XLSX of rows with a header (register books, search results). The period report has its own
modules: report_xlsx.py, report_pdf.py."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook


def rows_csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode()  # BOM: Excel opens UTF-8 Vietnamese correctly


def rows_xlsx(title: str, header: list[str], rows: list[list[str]]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
