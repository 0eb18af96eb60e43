"""Reading the text out of a file, page by page, or saying why it cannot be read."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

# Files larger than this are not read: a bigger "document" is most often a data dump
# or a disk image dropped by mistake, and would hold the rest of the folder up.
MAX_FILE_BYTES = 200 * 2**20

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
SUPPORTED = (*TEXT_SUFFIXES, *HTML_SUFFIXES, ".pdf", ".docx", ".csv", ".tsv", ".xlsx")


class Unreadable(Exception):  # noqa: N818 - a file's state, shown as its reason
    """The file cannot be read; ``str(err)`` is the reason shown beside it."""


@dataclass(frozen=True)
class Page:
    """The text of one page (PDF), one sheet (XLSX), or of a whole file without pages."""

    number: int | None  # 1-based; None for files without pages
    text: str
    section: str | None = None  # a sheet's name


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED


def read_pages(path: Path, max_bytes: int = MAX_FILE_BYTES) -> list[Page]:
    """The text of ``path``; raises Unreadable with a reason a user can act on."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise Unreadable(f"unsupported file type {suffix or '(none)'}")
    try:
        size = path.stat().st_size
    except OSError as err:
        raise Unreadable(f"cannot be opened: {err.strerror or err}") from err
    if size > max_bytes:
        raise Unreadable(
            f"too large ({size / 2**20:.0f} MB; files over {max_bytes / 2**20:.0f} MB are not read)"
        )
    if size == 0:
        raise Unreadable("empty file")
    try:
        pages = reader(path)
    except Unreadable:
        raise
    except (OSError, MemoryError) as err:
        raise Unreadable(f"cannot be read: {err}") from err
    if not any(p.text.strip() for p in pages):
        raise Unreadable("no text in it")
    return pages


# --- plain text -------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Text in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (Chinese Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise Unreadable("not a text file (binary content; wrong extension?)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("not a text file (unknown encoding; save it as UTF-8)")


def _read_text(path: Path) -> list[Page]:
    return [Page(None, _normalise(decode_text(path.read_bytes())))]


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- PDF --------------------------------------------------------------------------------------


def _read_pdf(path: Path) -> list[Page]:
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise Unreadable("not a PDF file (wrong extension?)")
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, WrongPasswordError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # only an owner password: readable as it is
            except (FileNotDecryptedError, WrongPasswordError, NotImplementedError):
                opened = 0
            if not opened:
                raise Unreadable("encrypted: it needs a password (save an unprotected copy)")
        pages = [
            Page(i, _normalise(page.extract_text() or "")) for i, page in enumerate(reader.pages, 1)
        ]
    except Unreadable:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
        raise Unreadable(f"damaged or truncated PDF ({err})") from err
    if pages and not any(p.text.strip() for p in pages):
        raise Unreadable("no text layer (a scanned PDF? run it through OCR first)")
    return pages


# --- Office -----------------------------------------------------------------------------------


def _zip_of(path: Path, kind: str) -> None:
    if not zipfile.is_zipfile(path):
        with path.open("rb") as fh:
            magic = fh.read(4)
        if magic.startswith(b"PK"):
            raise Unreadable(f"damaged or truncated {kind} file")
        raise Unreadable(f"not a {kind} file (wrong extension, or an old binary format?)")
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise Unreadable(f"damaged or truncated {kind} file ({err})") from err
    if bad is not None:
        raise Unreadable(f"damaged or truncated {kind} file ({bad} is corrupt)")


def _read_docx(path: Path) -> list[Page]:
    _zip_of(path, "Word")
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as err:  # python-docx raises a variety (KeyError, XML errors…)
        raise Unreadable(f"damaged Word file ({err.__class__.__name__}: {err})") from err
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            parts.append(" | ".join(dict.fromkeys(c for c in cells if c)))
    return [Page(None, "\n\n".join(p for p in parts if p.strip()))]


def _read_xlsx(path: Path) -> list[Page]:
    _zip_of(path, "Excel")
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:
        raise Unreadable(f"damaged Excel file ({err.__class__.__name__}: {err})") from err
    try:
        pages = []
        for number, sheet in enumerate(book.worksheets, 1):
            rows = ([_cell(v) for v in row] for row in sheet.iter_rows(values_only=True))
            pages.append(Page(number, rows_as_text(rows), section=sheet.title))
        return pages
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows_as_text(rows: Iterator[list[str]]) -> str:
    """Each row as one line of "header: value" pairs, so a passage keeps what its numbers mean."""
    header: list[str] | None = None
    lines = []
    for row in rows:
        if not any(row):
            continue
        if header is None:
            header = row
            lines.append(" | ".join(c for c in row if c))
            continue
        pairs = [
            f"{header[i] if i < len(header) and header[i] else f'column {i + 1}'}: {v}"
            for i, v in enumerate(row)
            if v
        ]
        lines.append("; ".join(pairs))
    return "\n".join(lines)


def _read_csv(path: Path) -> list[Page]:
    text = decode_text(path.read_bytes())
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    try:
        rows = ([c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect))
        return [Page(None, rows_as_text(rows))]
    except csv.Error as err:
        raise Unreadable(f"damaged CSV file ({err})") from err


# --- HTML -------------------------------------------------------------------------------------

_BLOCKS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer pre "
    "blockquote dd dt hr title".split()
)
_HIDDEN = frozenset(("script", "style", "noscript", "template", "head"))


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in _HIDDEN:
            self.hidden += 1
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.hidden:
            self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    body = "".join(parser.parts)
    body = re.sub(r"[ \t\f\v]+", " ", body)
    body = re.sub(r" *\n[ \n]*\n *", "\n\n", body)
    title = " ".join("".join(parser.title).split())
    return (f"{title}\n\n" if title else "") + body.strip()


def _read_html(path: Path) -> list[Page]:
    return [Page(None, html_text(decode_text(path.read_bytes())))]


_READERS: dict[str, Callable[[Path], list[Page]]] = {
    **dict.fromkeys(TEXT_SUFFIXES, _read_text),
    **dict.fromkeys(HTML_SUFFIXES, _read_html),
    ".pdf": _read_pdf,
    ".docx": _read_docx,
    ".xlsx": _read_xlsx,
    ".csv": _read_csv,
    ".tsv": _read_csv,
}
