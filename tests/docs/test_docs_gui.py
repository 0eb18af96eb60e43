"""The Documents window as a user drives it: collections, a folder dropped onto it and read
in the background, each file's status and reason, and Stop."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt", reason="the GUI tests need pytest-qt (make test installs it)")

from app.gui.documents_dialog import DocumentsDialog  # noqa: E402
from app.gui.qt import QDropEvent, QMimeData, QPoint, Qt, QUrl  # noqa: E402
from app.gui.taskman import TaskManager  # noqa: E402
from app.services.documents import Documents  # noqa: E402

WAIT_MS = 60_000


@pytest.fixture
def dialog(qtbot, documents: Documents):  # type: ignore[no-untyped-def]
    taskman = TaskManager()
    errors: list[BaseException] = []
    dlg = DocumentsDialog(documents, taskman, on_error=errors.append)
    dlg.errors = errors  # type: ignore[attr-defined]
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    yield dlg
    dlg.stop()
    taskman.shutdown()


def drop(dlg: DocumentsDialog, *paths: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPoint(10, 10).toPointF(), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    dlg.dropEvent(event)


def test_a_dropped_folder_is_read_in_the_background_and_listed_with_reasons(
    qtbot, dialog: DocumentsDialog, library: Path, broken: Path
) -> None:
    with qtbot.waitSignal(dialog.ingest_done, timeout=WAIT_MS) as done:
        drop(dialog, library, broken)
        assert dialog.progress.isVisible() and dialog.stop_button.isVisible()
        assert not dialog.add_files_button.isEnabled()  # one ingest at a time
    report = done.args[0]
    assert report is not None and report.count("added") == 9

    assert dialog.current_collection() == "Documents"  # made for the first drop
    rows = {dialog.row_texts(r)["file"]: dialog.row_texts(r) for r in range(dialog.table.rowCount())}
    assert rows["report.pdf"]["status"] == "Ready" and rows["report.pdf"]["pages"] == "3"
    assert rows["locked.pdf"]["status"] == "Not readable"
    assert "needs a password" in rows["locked.pdf"]["reason"]
    assert "no text layer" in rows["scan.pdf"]["reason"]
    assert "2 added" not in dialog.status.text()
    assert dialog.status.text().startswith("9 added, 0 updated, 0 unchanged.")
    assert "could not be read" in dialog.status.text()
    assert not dialog.progress.isVisible()

    with qtbot.waitSignal(dialog.ingest_done, timeout=WAIT_MS) as again:
        drop(dialog, library)
    assert again.args[0].count("unchanged") == 7


def test_stop_ends_the_reading_between_files(qtbot, dialog: DocumentsDialog,
                                              library: Path) -> None:
    with qtbot.waitSignal(dialog.ingest_done, timeout=WAIT_MS) as done:
        dialog.add_paths([library])
        dialog.stop()
    assert done.args[0] is None
    assert dialog.status.text() == "Stopped. The files read so far were kept."
    assert dialog.table.rowCount() < 7


def test_collections_are_made_renamed_and_removed(qtbot, dialog: DocumentsDialog,
                                                  documents: Documents,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from app.gui import documents_dialog as module

    answers = iter([("Q3", True), ("Q3 2025", True)])
    monkeypatch.setattr(module.QInputDialog, "getText", lambda *a, **k: next(answers))
    monkeypatch.setattr(module.QMessageBox, "question",
                        lambda *a, **k: module.QMessageBox.StandardButton.Yes)
    dialog.new_button.click()
    assert dialog.current_collection() == "Q3"
    dialog.rename_button.click()
    assert [c.name for c in documents.collections()] == ["Q3 2025"]
    assert dialog.collection_list.currentItem().text() == "Q3 2025 (0)"
    dialog.remove_collection_button.click()
    assert documents.collections() == [] and dialog.collection_list.count() == 0


def test_the_main_window_opens_documents_from_the_file_menu(qtbot, ctx, library: Path) -> None:  # type: ignore[no-untyped-def]
    from app.gui.main_window import MainWindow

    window = MainWindow(ctx, model_loader=lambda **kw: None)
    qtbot.addWidget(window)
    assert window.documents_action in window.file_menu.actions()
    assert window.documents_action.shortcut().toString() == "Ctrl+Shift+D"
    window.documents_action.trigger()
    dlg = window.documents_dialog
    assert dlg is not None and dlg.isVisible() and dlg.windowTitle() == "Documents"
    with qtbot.waitSignal(dlg.ingest_done, timeout=WAIT_MS):
        dlg.add_paths([library / "notes.md"])
    dlg.close()
    assert window.documents_dialog is None
    window._quitting = True
    window.close()


@pytest.mark.slow
def test_asking_a_collection_shows_the_answer_and_its_cited_passage(
    qtbot, documents: Documents, library: Path, loaded_model  # type: ignore[no-untyped-def]
) -> None:
    documents.add("Ops", [library])
    documents.ctx.settings.set("temperature", 0.0)
    documents.ctx.settings.set("max_tokens", 32)
    taskman = TaskManager()
    dlg = DocumentsDialog(documents, taskman, model=lambda: loaded_model)
    qtbot.addWidget(dlg)
    dlg.show()
    panel = dlg.ask_panel
    panel.question.setText("How many pallets does the Harbin warehouse hold?")
    with qtbot.waitSignal(panel.answer_done, timeout=WAIT_MS) as done:
        panel.ask_button.click()
        assert not panel.ask_button.isEnabled()  # one question at a time
    answer = done.args[0]
    shown = panel.answer_view.toPlainText()
    assert answer is not None and "4,200" in shown
    assert "[1] report.pdf, page 2" in shown  # the passage it rests on, under the answer
    assert "The Harbin warehouse holds 4,200 pallets" in shown
    assert panel.ask_button.isEnabled()
    taskman.shutdown()
