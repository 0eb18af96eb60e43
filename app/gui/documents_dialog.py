"""The Documents window: collections, their files with status and the reason a file could not
be read, and adding files (buttons or drag and drop) in the background with progress and cancel."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.gui.documents_ask import AskPanel
from app.gui.qt import (
    QDialog,
    QDragEnterEvent,
    QDropEvent,
    QEvent,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    Qt,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.taskman import Worker
from app.gui.widgets import row_table

if TYPE_CHECKING:
    from app.gui.taskman import TaskManager
    from app.services.documents import Documents, IngestReport
    from app.services.models import LoadedModel

log = logging.getLogger(__name__)

COLUMNS = ("file", "status", "pages", "passages", "reason")


class IngestWorker(Worker):
    """Adds files to a collection through the service, one file at a time."""

    reading = Signal(str)  # the file being read

    def __init__(self, docs: Documents, collection: str, paths: list[Path]) -> None:
        super().__init__()
        self.docs = docs
        self.collection = collection
        self.paths = paths

    embedding = Signal()  # the files are read; their passages are being embedded

    def work(self) -> IngestReport:
        def progress(done: int, total: int, path: Path) -> None:
            self.progress.emit(done, total)
            if done < total:
                self.reading.emit(path.name)

        def embedding(done: int, total: int) -> None:
            if done == 0:
                self.embedding.emit()
            self.progress.emit(done, total)

        return self.docs.add(self.collection, self.paths, progress=progress, cancel=self.cancel,
                             embed_progress=embedding)


class EmbedWorker(Worker):
    """Embeds the passages of a collection read before the embedding model was set."""

    def __init__(self, docs: Documents, collection: str) -> None:
        super().__init__()
        self.docs = docs
        self.collection = collection

    def work(self) -> int:
        return self.docs.embed(self.collection, progress=self.progress.emit, cancel=self.cancel)


class DocumentsDialog(QDialog):
    """Collections on the left, the chosen collection's files on the right."""

    ingest_done = Signal(object)  # the IngestReport, or None when stopped or failed
    collections_changed = Signal()
    embed_done = Signal(object)  # how many passages were embedded, or None when stopped

    def __init__(self, docs: Documents, taskman: TaskManager, parent: QWidget | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 model: Callable[[], LoadedModel | None] | None = None) -> None:
        super().__init__(parent)

        self.setObjectName("documentsDialog")
        self.docs = docs
        self.taskman = taskman
        self.on_error = on_error
        self.worker: IngestWorker | EmbedWorker | None = None
        self.documents: list[Any] = []
        self.setAcceptDrops(True)

        self.collection_list = QListWidget()
        self.collection_list.setObjectName("collectionList")
        self.collection_list.currentItemChanged.connect(lambda *_: self.show_documents())
        self.new_button = QPushButton()
        self.new_button.clicked.connect(self.new_collection)
        self.rename_button = QPushButton()
        self.rename_button.clicked.connect(self.rename_collection)
        self.remove_collection_button = QPushButton()
        self.remove_collection_button.clicked.connect(self.remove_collection)
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        self.collections_label = QLabel()
        left_column.addWidget(self.collections_label)
        left_column.addWidget(self.collection_list, 1)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.rename_button, self.remove_collection_button):
            buttons.addWidget(b)
        left_column.addLayout(buttons)

        self.table = row_table(len(COLUMNS), "documentTable")
        self.add_files_button = QPushButton()
        self.add_files_button.clicked.connect(self.choose_files)
        self.add_folder_button = QPushButton()
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.remove_file_button = QPushButton()
        self.remove_file_button.clicked.connect(self.remove_document)
        self.embed_button = QPushButton()
        self.embed_button.setObjectName("embedPassages")
        self.embed_button.clicked.connect(self.embed_collection)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("ingestProgress")
        self.progress.hide()
        self.stop_button = QPushButton()
        self.stop_button.setObjectName("stopIngest")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.hide()
        self.status = QLabel()
        self.status.setObjectName("ingestStatus")
        self.status.setWordWrap(True)
        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(0, 0, 0, 0)
        right_column.addWidget(self.table, 1)
        file_buttons = QHBoxLayout()
        for b in (self.add_files_button, self.add_folder_button, self.remove_file_button,
                  self.embed_button):
            file_buttons.addWidget(b)
        file_buttons.addStretch(1)
        right_column.addLayout(file_buttons)
        right_column.addWidget(self.hint)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.stop_button)
        right_column.addLayout(progress_row)
        right_column.addWidget(self.status)
        self.ask_panel = AskPanel(docs, taskman, self.current_collection, model, on_error)
        right_column.addWidget(self.ask_panel, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 640])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.retranslate()
        self.resize(900, 520)
        self.refresh()

    # -- text -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Documents"))
        self.collections_label.setText(self.tr("Collections"))
        self.new_button.setText(self.tr("New…"))
        self.rename_button.setText(self.tr("Rename…"))
        self.remove_collection_button.setText(self.tr("Remove"))
        self.add_files_button.setText(self.tr("Add files…"))
        self.add_folder_button.setText(self.tr("Add folder…"))
        self.remove_file_button.setText(self.tr("Remove file"))
        self.embed_button.setText(self.tr("Index by meaning"))
        self.embed_button.setToolTip(self.tr(
            "Embed this collection's passages with the embedding model set in Settings → "
            "Models, so that questions find them by meaning as well as by words"))
        self.stop_button.setText(self.tr("Stop"))
        self.hint.setText(self.tr("Drop files or folders here to add them to the collection. "
                                  "PDF, Word, Excel, CSV, HTML, Markdown and text files are read; "
                                  "a file that cannot be read is listed with the reason."))
        self.table.setHorizontalHeaderLabels([
            self.tr("File"), self.tr("Status"), self.tr("Pages"), self.tr("Passages"),
            self.tr("Reason")])
        self.show_documents()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def status_text(self, status: str) -> str:
        return {"indexed": self.tr("Ready"), "unreadable": self.tr("Not readable")}.get(status, status)

    # -- collections ----------------------------------------------------------------------

    def current_collection(self) -> str | None:
        item = self.collection_list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def refresh(self, select: str | None = None) -> None:
        """Reload the collections (keeping the chosen one) and the chosen one's files."""
        chosen = select or self.current_collection()
        self.collection_list.blockSignals(True)
        self.collection_list.clear()
        for c in self.docs.collections():
            item = QListWidgetItem(self.tr("%1 (%2)").replace("%1", c.name)
                                   .replace("%2", str(c.documents)))
            item.setData(Qt.ItemDataRole.UserRole, c.name)
            self.collection_list.addItem(item)
            if c.name == chosen or chosen is None:
                self.collection_list.setCurrentItem(item)
                chosen = c.name
        self.collection_list.blockSignals(False)
        self.show_documents()

    def new_collection(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("New collection"), self.tr("Name:"))
        if ok and name.strip():
            self._try(lambda: self.docs.create_collection(name))
            self.refresh(select=" ".join(name.split()))
            self.collections_changed.emit()

    def rename_collection(self) -> None:
        old = self.current_collection()
        if old is None:
            return
        name, ok = QInputDialog.getText(self, self.tr("Rename collection"), self.tr("New name:"),
                                        text=old)
        if ok and name.strip() and name != old:
            self._try(lambda: self.docs.rename_collection(old, name))
            self.refresh(select=" ".join(name.split()))
            self.collections_changed.emit()

    def remove_collection(self) -> None:
        name = self.current_collection()
        if name is None:
            return
        answer = QMessageBox.question(
            self, self.tr("Remove collection"),
            self.tr("Remove the collection “%1” and its passages? Your files stay where they are.")
            .replace("%1", name))
        if answer == QMessageBox.StandardButton.Yes:
            self._try(lambda: self.docs.remove_collection(name))
            self.collection_list.setCurrentItem(None)
            self.refresh()
            self.collections_changed.emit()

    # -- documents ------------------------------------------------------------------------

    def show_documents(self) -> None:
        name = self.current_collection()
        self.documents = self.docs.documents(name) if name else []
        self.table.setRowCount(len(self.documents))
        for row, d in enumerate(self.documents):
            values = (d.name, self.status_text(d.status), str(d.pages), str(d.chunks),
                      d.reason or "")
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(d.path if col == 0 else value)
                self.table.setItem(row, col, item)
        busy = self.worker is not None
        for b in (self.add_files_button, self.add_folder_button):
            b.setEnabled(not busy)
        self.remove_file_button.setEnabled(bool(self.documents) and not busy)
        self.embed_button.setVisible(self.docs.meaning.configured)
        self.embed_button.setEnabled(bool(self.documents) and not busy)
        self.rename_button.setEnabled(name is not None)
        self.remove_collection_button.setEnabled(name is not None and not busy)

    def row_texts(self, row: int) -> dict[str, str]:
        return {key: self.table.item(row, col).text() for col, key in enumerate(COLUMNS)}

    def remove_document(self) -> None:
        name, row = self.current_collection(), self.table.currentRow()
        if name is None or not 0 <= row < len(self.documents):
            return
        self._try(lambda: self.docs.remove(name, [self.documents[row].id]))
        self.refresh()

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Add files"), "",
            self.tr("Documents (*.pdf *.docx *.xlsx *.csv *.tsv *.html *.htm *.md *.txt);;"
                    "All files (*)"))
        if files:
            self.add_paths([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a folder"))
        if folder:
            self.add_paths([Path(folder)])

    def add_paths(self, paths: list[Path]) -> None:
        """Read ``paths`` into the chosen collection (one named "Documents" is made when
        there is none) in the background."""
        if self.worker is not None or not paths:
            return
        name = self.current_collection()
        if name is None:
            name = self.tr("Documents")
            if not any(c.name == name for c in self.docs.collections()):
                self._try(lambda: self.docs.create_collection(name))
            self.refresh(select=name)
        worker = IngestWorker(self.docs, name, paths)
        worker.progress.connect(self._progress)
        worker.reading.connect(lambda file: self.status.setText(
            self.tr("Reading %1…").replace("%1", file)))
        worker.embedding.connect(lambda: self.status.setText(
            self.tr("Embedding the new passages…")))
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        self.worker = worker
        self.progress.setValue(0)
        self.progress.show()
        self.stop_button.show()
        self.show_documents()
        self.taskman.start(worker)

    def embed_collection(self) -> None:
        """Embed the chosen collection's passages that have no vector yet, in the background."""
        name = self.current_collection()
        if self.worker is not None or name is None:
            return
        worker = EmbedWorker(self.docs, name)
        worker.progress.connect(self._progress)
        worker.finished.connect(self._embedded)
        worker.failed.connect(self._failed)
        self.worker = worker
        self.status.setText(self.tr("Embedding the passages of %1…").replace("%1", name))
        self.progress.setValue(0)
        self.progress.show()
        self.stop_button.show()
        self.show_documents()
        self.taskman.start(worker)

    def _embedded(self, done: int | None) -> None:
        self._idle()
        if done is None:
            self.status.setText(self.tr("Stopped. The passages embedded so far were kept."))
        else:
            self.status.setText(self.tr("%1 passages embedded: questions now find them by "
                                        "meaning too.").replace("%1", str(done)))
        self.refresh()
        self.embed_done.emit(done)

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.cancel.set()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(done)

    def _finished(self, report: IngestReport | None) -> None:
        self._idle()
        if report is None:
            self.status.setText(self.tr("Stopped. The files read so far were kept."))
        else:
            problems = len(report.problems)
            text = self.tr("%1 added, %2 updated, %3 unchanged.").replace(
                "%1", str(report.count("added"))).replace(
                "%2", str(report.count("updated"))).replace("%3", str(report.count("unchanged")))
            if report.count("removed"):
                text += " " + self.tr("%1 removed: their files are gone.").replace(
                    "%1", str(report.count("removed")))
            if problems:
                text += " " + self.tr("%1 could not be read (see the reasons).").replace(
                    "%1", str(problems))
            if report.embedded:
                text += " " + self.tr("%1 passages embedded.").replace("%1", str(report.embedded))
            if report.embed_error:
                text += " " + self.tr("Not embedded: %1").replace("%1", report.embed_error)
            self.status.setText(text)
        self.refresh()
        self.collections_changed.emit()
        self.ingest_done.emit(report)

    def _failed(self, message: str) -> None:
        error = self.worker.error if self.worker is not None else None
        self._idle()
        self.status.setText(message)
        if error is not None and self.on_error is not None:
            self.on_error(error)
        self.refresh()
        self.ingest_done.emit(None)

    def _idle(self) -> None:
        self.worker = None
        self.progress.hide()
        self.stop_button.hide()

    def _try(self, op: Callable[[], object]) -> None:
        from app.errors import AppError

        try:
            op()
        except AppError as err:
            if self.on_error is not None:
                self.on_error(err)
            else:
                QMessageBox.warning(self, self.tr("Documents"), str(err))

    # -- drag and drop --------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() and self.worker is None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    def done(self, result: int) -> None:
        self.stop()
        self.ask_panel.stop()
        super().done(result)
