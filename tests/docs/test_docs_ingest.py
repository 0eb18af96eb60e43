"""Adding real files and folders to a collection: every kind read, pages and offsets kept,
unreadable files reported with their reason, unchanged files not read again."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from docs_helpers import PDF_PAGES

from app.docs.chunking import chunk_spans, estimate_tokens
from app.docs.ingest import expand_paths
from app.errors import Cancelled, DocumentError
from app.services.documents import Documents


def test_a_folder_of_every_kind_is_read_with_pages_and_offsets(
    documents: Documents, library: Path
) -> None:
    seen: list[tuple[int, int, str]] = []
    report = documents.add("Ops", [library], progress=lambda d, t, p: seen.append((d, t, p.name)))

    outcomes = {f.path.name: f.outcome for f in report.files}
    assert outcomes == {
        "report.pdf": "added", "plan.docx": "added", "budget.xlsx": "added",
        "会议纪要.txt": "added", "notes.md": "added", "page.html": "added",
        "routes.csv": "added", "photo.png": "unsupported",
    }
    assert seen[0][:2] == (0, 8) and seen[-1][:2] == (8, 8)  # per-file progress, to the end
    by_name = {d.name: d for d in documents.documents("Ops")}
    assert "photo.png" not in by_name  # not a document: reported, not kept
    assert by_name["report.pdf"].pages == 3 and by_name["report.pdf"].status == "indexed"
    assert by_name["budget.xlsx"].pages == 2  # one page per sheet

    (hit,) = documents.search("Ops", "Harbin warehouse pallets", limit=1)
    assert (hit.file_name, hit.page, hit.source) == ("report.pdf", 2, "report.pdf, page 2")
    page_text = PDF_PAGES[1]
    assert "4,200 pallets" in hit.text
    assert " ".join(hit.text.split()) in " ".join(page_text.split())
    assert hit.char_start == 0 and hit.char_end >= len(hit.text)

    (sheet,) = documents.search("Ops", "Cold room repair", limit=1)
    assert sheet.source == "budget.xlsx, sheet Budget"
    assert "Item: Cold room repair; Amount: 7300; Owner: Zhao" in sheet.text  # header kept

    (html,) = documents.search("Ops", "refrigerated trucks", limit=1)
    assert html.file_name == "page.html" and "hidden" not in html.text and "color" not in html.text
    (row,) = documents.search("Ops", "Shenyang", limit=1)
    assert "route: Shenyang-Dalian; length_km: 397" in row.text
    (table,) = documents.search("Ops", "李明", limit=1)
    assert table.file_name == "plan.docx" and "华南 | 李明" in table.text


def test_unreadable_files_are_listed_with_their_reason_and_the_rest_go_on(
    documents: Documents, broken: Path
) -> None:
    report = documents.add("Broken", [broken])

    reasons = {f.path.name: (f.outcome, f.reason) for f in report.files}
    assert reasons["plain.pdf"] == ("added", None)
    assert reasons["good.txt"] == ("added", None)
    assert reasons["locked.pdf"][0] == "unreadable"
    assert "encrypted: it needs a password" in (reasons["locked.pdf"][1] or "")
    assert "no text layer" in (reasons["scan.pdf"][1] or "")
    assert "damaged or truncated Word file" in (reasons["truncated.docx"][1] or "")
    assert "not a PDF file (wrong extension?)" in (reasons["fake.pdf"][1] or "")

    listed = {d.name: (d.status, d.reason) for d in documents.documents("Broken")}
    assert listed["locked.pdf"] == ("unreadable", reasons["locked.pdf"][1])
    assert listed["good.txt"] == ("indexed", None)
    assert documents.collections()[0].unreadable == 4
    found = {p.file_name for p in documents.search("Broken", "cold chains")}
    assert found == {"good.txt", "plain.pdf"}


def test_an_oversized_file_is_refused_with_the_limit(documents: Documents, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("x" * 3 * 2**20, encoding="utf-8")
    (result,) = documents.add("Big", [big], max_bytes=2**20).files
    assert result.outcome == "unreadable"
    assert result.reason == "too large (3 MB; files over 1 MB are not read)"


def test_re_adding_an_unchanged_folder_does_no_work(
    documents: Documents, library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents.add("Ops", [library])
    before = {d.id: (d.updated_at, d.chunks) for d in documents.documents("Ops")}

    import app.docs.ingest as ingest

    def no_reading(*args: object, **kw: object) -> object:
        raise AssertionError("an unchanged file was read again")

    monkeypatch.setattr(ingest, "read_pages", no_reading)
    report = documents.add("Ops", [library])
    assert {f.outcome for f in report.files} == {"unchanged", "unsupported"}
    assert report.pages == 0
    assert {d.id: (d.updated_at, d.chunks) for d in documents.documents("Ops")} == before
    monkeypatch.undo()

    notes = library / "notes.md"
    notes.write_text(notes.read_text(encoding="utf-8") + "\n\nBudget approved: 1.2 million.",
                     encoding="utf-8")
    report = documents.add("Ops", [library])
    assert [f.path.name for f in report.files if f.outcome == "updated"] == ["notes.md"]
    (hit,) = documents.search("Ops", "Budget approved", limit=1)
    assert hit.file_name == "notes.md"

    (library / "report.pdf").unlink()  # gone from the folder: gone from the collection
    report = documents.add("Ops", [library])
    assert [(f.path.name, f.outcome) for f in report.files if f.outcome == "removed"] == [
        ("report.pdf", "removed")]
    assert "report.pdf" not in {d.name for d in documents.documents("Ops")}
    assert documents.search("Ops", "Harbin") == []


def test_cancel_stops_between_files_and_keeps_what_was_done(
    documents: Documents, library: Path
) -> None:
    cancel = threading.Event()

    def progress(done: int, total: int, path: Path) -> None:
        if done == 2:
            cancel.set()

    with pytest.raises(Cancelled):
        documents.add("Ops", [library], progress=progress, cancel=cancel)
    assert len(documents.documents("Ops")) == 2


def test_removing_a_document_removes_its_passages(documents: Documents, library: Path) -> None:
    documents.add("Ops", [library])
    assert documents.search("Ops", "Harbin")
    (removed,) = documents.remove("Ops", ["report.pdf"])
    assert removed.name == "report.pdf"
    assert documents.search("Ops", "Harbin") == []
    assert documents.store.integrity_check() == ["ok"]  # the index follows the chunks
    assert "report.pdf" not in {d.name for d in documents.documents("Ops")}
    with pytest.raises(DocumentError, match="has no document 'nothing.pdf'"):
        documents.remove("Ops", ["nothing.pdf"])


def test_collections_are_created_renamed_and_removed(documents: Documents, library: Path) -> None:
    documents.create_collection("Q3 reports")
    with pytest.raises(DocumentError, match="already exists"):
        documents.create_collection("Q3 reports")
    documents.add("Q3 reports", [library / "notes.md"])
    renamed = documents.rename_collection("Q3 reports", "季度报告")
    assert renamed.name == "季度报告" and renamed.documents == 1
    assert [p.file_name for p in documents.search("季度报告", "Chengdu")] == ["notes.md"]
    with pytest.raises(DocumentError, match="No collection named “Q3 reports”. Collections: 季度报告"):
        documents.search("Q3 reports", "Chengdu")
    assert documents.remove_collection("季度报告") == 1
    assert documents.collections() == []
    with pytest.raises(DocumentError, match="No such file or folder"):
        documents.add("x", [library / "missing.pdf"])


def test_folders_expand_recursively_without_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "a" / ".git").mkdir(parents=True)
    (tmp_path / "a" / ".git" / "config.txt").write_text("x")
    (tmp_path / "a" / "b").mkdir()
    (tmp_path / "a" / "b" / "one.txt").write_text("x")
    (tmp_path / "a" / ".hidden.md").write_text("x")
    assert [p.name for p in expand_paths([tmp_path / "a"])] == ["one.txt"]


def test_chunks_end_on_sentences_chinese_included_and_overlap() -> None:
    zh = "".join(f"第{i}句话讲的是仓库第{i}号的库存情况。" for i in range(40))
    spans = chunk_spans(zh, budget=60, overlap=20)
    assert len(spans) > 3
    for start, end in spans:
        assert zh[end - 1] == "。"  # a passage ends at a Chinese sentence end
        assert estimate_tokens(zh[start:end]) <= 60
    assert spans[1][0] < spans[0][1]  # the next passage repeats the end of the one before
    en = " ".join(f"Sentence {i} is about shelf {i}." for i in range(80))
    for start, end in chunk_spans(en, budget=50, overlap=10):
        assert en[end - 1] == "." and en[start] == "S"
