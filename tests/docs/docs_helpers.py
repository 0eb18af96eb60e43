"""Real documents of every kind, written by the tests themselves."""

from __future__ import annotations

from pathlib import Path

# Facts placed on known pages, so a test can tell whether a passage came from the right one.
PDF_PAGES = [
    "Quarterly logistics report for the northern region. This report covers warehouses, "
    "shipping routes and staffing for the third quarter.",
    "The Harbin warehouse holds 4,200 pallets of frozen fish. Its cold rooms are kept at "
    "minus twenty-two degrees, and the loading dock was rebuilt in August.",
    "Staffing: the Dalian office hired eleven new drivers. Overtime fell by a third after the "
    "new night shift began in September.",
]
CHINESE_MEMO = (
    "会议纪要\n\n"
    "本季度上海仓库的库存周转天数为二十六天，比上季度减少四天。"
    "物流部建议在苏州增设一个中转站，以缩短华东地区的配送时间。\n\n"
    "财务部指出，冷链运输成本上升了百分之十二，主要原因是燃油价格上涨。"
    "下次会议定于十月十五日举行。"
)
ENGLISH_NOTES = (
    "Project Falcon notes\n\n"
    "The pilot in Chengdu measured a delivery accuracy of 97.4 percent. "
    "Customers asked for text messages before each delivery.\n\n"
    "The team will present the results to the board in November."
)


def make_pdf(path: Path, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def make_scanned_pdf(path: Path) -> Path:
    """A PDF whose pages hold only drawings, as a scan without OCR holds only images."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


def make_encrypted_pdf(path: Path, source: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "地区", "负责人"
    table.cell(1, 0).text, table.cell(1, 1).text = "华南", "李明"
    document.save(str(path))
    return path


def make_xlsx(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Budget"
    sheet.append(["Item", "Amount", "Owner"])
    sheet.append(["Forklift lease", 18500, "Wang"])
    sheet.append(["Cold room repair", 7300, "Zhao"])
    second = book.create_sheet("Headcount")
    second.append(["Office", "Drivers"])
    second.append(["Qingdao", 23])
    book.save(str(path))
    return path
