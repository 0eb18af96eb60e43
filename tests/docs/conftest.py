"""Fixtures for document tests: real files of every kind, made here, and a fresh database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from docs_helpers import (
    CHINESE_MEMO,
    ENGLISH_NOTES,
    PDF_PAGES,
    make_docx,
    make_encrypted_pdf,
    make_pdf,
    make_scanned_pdf,
    make_xlsx,
)

from app.services.context import AppContext, open_context
from app.services.documents import Documents, open_documents
from app.services.models import LoadedModel


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A folder of real documents of every supported kind, plus one of another kind."""
    root = tmp_path / "library"
    (root / "memos").mkdir(parents=True)
    make_pdf(root / "report.pdf", PDF_PAGES)
    make_docx(root / "memos" / "plan.docx", ["华南地区的新仓库将于明年三月投入使用。",
                                             "The Guangzhou warehouse opens next March."])
    make_xlsx(root / "budget.xlsx")
    (root / "memos" / "会议纪要.txt").write_text(CHINESE_MEMO, encoding="utf-8")
    (root / "notes.md").write_text(ENGLISH_NOTES, encoding="utf-8")
    (root / "page.html").write_text(
        "<html><head><title>Fleet</title><style>p{color:red}</style></head><body>"
        "<p>The fleet has 64 refrigerated trucks.</p><script>var x = 'hidden';</script>"
        "</body></html>", encoding="utf-8")
    (root / "routes.csv").write_text("route,length_km\nShenyang-Dalian,397\n", encoding="utf-8")
    (root / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return root


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A folder of files that cannot be read, each for its own reason, and one good file."""
    root = tmp_path / "broken"
    root.mkdir()
    make_pdf(root / "plain.pdf", ["A readable page about cold chains."])
    make_encrypted_pdf(root / "locked.pdf", root / "plain.pdf")
    make_scanned_pdf(root / "scan.pdf")
    whole = make_docx(tmp_path / "whole.docx", ["A paragraph."] * 50).read_bytes()
    (root / "truncated.docx").write_bytes(whole[: len(whole) // 2])
    (root / "fake.pdf").write_text("this is not a PDF at all", encoding="utf-8")
    (root / "good.txt").write_text("Cold chains keep food fresh.", encoding="utf-8")
    return root


@pytest.fixture
def documents(ctx: AppContext) -> Iterator[Documents]:
    docs = open_documents(ctx)
    yield docs
    docs.close()


@pytest.fixture(scope="session")
def loaded_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedModel]:
    """The default model through the signature gate, as the app loads it (one thread:
    these tests check what is asked and cited, not speed)."""
    from app.services.models import load_model

    model = load_model(open_context(tmp_path_factory.mktemp("model-data")), n_ctx=2048, threads=1)
    yield model
    model.close()
