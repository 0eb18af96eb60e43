"""Help → Privacy and your data…: the processing records, the retention period, an export of
everything the app holds about the user, and erasure after a confirmation; and the daily
retention purge while the window is open. The work is app.services.privacy's."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QEvent,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QObject,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    translate,
)
from app.gui.widgets import row_table

if TYPE_CHECKING:
    from app.gui.taskman import TaskManager
    from app.services.context import AppContext
    from app.services.privacy import ErasedCounts, ExportReport, Retention
    from app.services.processing_records import ProcessingRecord

log = logging.getLogger(__name__)

DAY_MS = 24 * 60 * 60 * 1000
COLUMNS = ("data", "purpose", "legal_basis", "retention", "location", "leaves_machine")
COLUMN_WIDTH = 200


class PrivacyDialog(QDialog):
    """One table of processing records, the retention, and the Export and Erase buttons;
    every read and write runs in the background."""

    exported = Signal(object)  # ExportReport
    erased = Signal(object)  # ErasedCounts
    export_progress = Signal(int, int)  # emitted from the export's thread, shown here

    def __init__(self, ctx: AppContext, taskman: TaskManager, parent: QWidget | None = None,
                 *, busy: Callable[[], bool] = lambda: False) -> None:
        super().__init__(parent)
        self.setObjectName("privacyDialog")
        self.ctx = ctx
        self.taskman = taskman
        self.busy = busy  # a reply is being written: erasing waits until it has ended
        self.records: list[ProcessingRecord] = []
        self.places: dict[str, str] = {}
        self.cancel = threading.Event()
        self.confirm_box: QMessageBox | None = None
        self.table = row_table(len(COLUMNS), "privacyRecords")
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()  # columns of a readable width; rows grow to fit
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col in range(len(COLUMNS)):
            self.table.setColumnWidth(col, COLUMN_WIDTH)
        self.retention_label = QLabel(self)
        self.retention = QSpinBox(self)
        self.retention.setObjectName("privacyRetention")
        self.retention.setRange(0, 36500)
        self.retention_label.setBuddy(self.retention)
        self.retention_apply = QPushButton(self)
        self.retention_apply.setObjectName("privacyRetentionApply")
        self.retention_note = QLabel(self)
        self.retention_note.setObjectName("privacyRetentionNote")
        self.export_button = QPushButton(self)
        self.export_button.setObjectName("privacyExport")
        self.records_button = QPushButton(self)
        self.records_button.setObjectName("privacySaveRecords")
        self.erase_button = QPushButton(self)
        self.erase_button.setObjectName("privacyErase")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("privacyProgress")
        self.progress.hide()
        self.status = QLabel(self)
        self.status.setObjectName("privacyStatus")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)

        keep = QHBoxLayout()
        for widget in (self.retention_label, self.retention, self.retention_apply):
            keep.addWidget(widget)
        keep.addWidget(self.retention_note, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.export_button)
        actions.addWidget(self.records_button)
        actions.addStretch(1)
        actions.addWidget(self.erase_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(keep)
        layout.addLayout(actions)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(1240, 680)

        self.retention_apply.clicked.connect(self.apply_retention)
        self.export_button.clicked.connect(self.choose_export)
        self.records_button.clicked.connect(self.choose_records_file)
        self.erase_button.clicked.connect(self.ask_to_erase)
        self.export_progress.connect(self._progress)
        self.finished.connect(lambda _r: self.cancel.set())
        self.retranslate()
        self.refresh()

    # -- records and retention ----------------------------------------------------------------

    def refresh(self) -> None:
        from app.services.privacy import retention
        from app.services.processing_records import processing_records, record_places

        ctx = self.ctx

        def load() -> tuple[list[ProcessingRecord], dict[str, str], Retention]:
            return processing_records(ctx), record_places(ctx), retention(ctx)

        self.taskman.run(load, self._show, self._failed)

    def _show(self, result: tuple[list[ProcessingRecord], dict[str, str], Retention]) -> None:
        self.records, self.places, retention = result
        self._fill_table()
        self.retention.setValue(retention.days)
        locked = retention.locked_by is not None
        self.retention.setEnabled(not locked)
        self.retention_apply.setEnabled(not locked)
        self.retention_note.setText(
            self.tr("Locked by your administrator's policy (%1)").replace(
                "%1", retention.locked_by or "") if locked
            else self.tr("0 keeps conversations until you delete them."))

    def _fill_table(self) -> None:
        from app.services.processing_records import fill

        self.table.setRowCount(len(self.records))
        for row, record in enumerate(self.records):
            for col, name in enumerate(COLUMNS):
                text = fill(translate("", getattr(record, name)), self.places)
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()

    def apply_retention(self) -> None:
        from app.services.privacy import set_retention

        ctx, days = self.ctx, self.retention.value()

        def saved(_ret: Retention) -> None:
            self.status.setText(self.tr("Retention saved.") if days else self.tr(
                "Retention saved: conversations are kept until you delete them."))
            self.refresh()

        self.taskman.run(lambda: set_retention(ctx, days), saved, self._failed)

    def choose_records_file(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the processing records"), "processing-records.json",
            self.tr("JSON files (*.json)"))
        if chosen:
            self.save_records(Path(chosen))

    def save_records(self, path: Path) -> None:
        from app.files import atomic_write
        from app.services.processing_records import records_document

        ctx = self.ctx

        def write() -> Path:
            text = json.dumps(records_document(ctx), ensure_ascii=False, indent=1) + "\n"
            atomic_write(path, text.encode("utf-8"))
            return path

        self.taskman.run(write, lambda p: self.status.setText(
            self.tr("Processing records saved to %1").replace("%1", str(p))), self._failed)

    # -- export -------------------------------------------------------------------------------

    def choose_export(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export all your data"), "autoglm-my-data.zip",
            self.tr("Zip archives (*.zip)"))
        if chosen:
            self.export_to(Path(chosen))

    def export_to(self, path: Path) -> None:
        from app.services.privacy import export_archive

        ctx, cancel, progress = self.ctx, self.cancel, self.export_progress.emit
        self._working(True, self.tr("Exporting your data…"))
        self.taskman.run(
            lambda: export_archive(ctx, ctx.audit.store(), path, progress=progress, cancel=cancel),
            self._exported, self._failed)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def _exported(self, report: ExportReport) -> None:
        self._working(False, self.tr(
            "Your data was written to %1: %2 conversations, %3 messages, %4 documents."
        ).replace("%1", report.path).replace("%2", str(report.conversations))
            .replace("%3", str(report.messages)).replace("%4", str(report.documents)))
        self.exported.emit(report)

    # -- erasure ------------------------------------------------------------------------------

    def ask_to_erase(self) -> None:
        """Erasing cannot be undone: a question first, whose default answer is Cancel."""
        if self.busy():
            self.status.setText(self.tr("A reply is being written: stop it, then erase."))
            return
        if self.confirm_box is not None:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Erase all your data?"), self.tr(
            "This erases every conversation, document and stored setting of yours on this "
            "computer, and tells the sync server to delete its copies. It cannot be undone. "
            "Export your data first if you want to keep a copy."), parent=self)
        self.erase_confirm_button = box.addButton(self.tr("Erase everything"),
                                                  QMessageBox.ButtonRole.DestructiveRole)
        self.erase_cancel_button = box.addButton(self.tr("Cancel"),
                                                 QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.erase_cancel_button)

        def answered(_result: int) -> None:
            self.confirm_box = None
            if box.clickedButton() is self.erase_confirm_button:
                self.erase()
            else:
                self.status.setText(self.tr("Nothing was erased."))

        box.finished.connect(answered)
        self.confirm_box = box
        box.open()

    def erase(self) -> None:
        from app.services.privacy import erase_all

        ctx = self.ctx
        self._working(True, self.tr("Erasing your data…"))
        self.progress.setRange(0, 0)  # no steps to count: a busy bar
        self.taskman.run(lambda: erase_all(ctx, ctx.audit.store()), self._erased, self._failed)

    def _erased(self, report: ErasedCounts) -> None:
        self._working(False, self.tr(
            "Erased %1 conversations with %2 messages, %3 documents and %4 backups."
        ).replace("%1", str(report.conversations)).replace("%2", str(report.messages))
            .replace("%3", str(report.documents)).replace("%4", str(report.backups)))
        self.erased.emit(report)
        self.refresh()

    # -- state --------------------------------------------------------------------------------

    def _working(self, on: bool, text: str) -> None:
        for button in (self.export_button, self.erase_button, self.records_button):
            button.setEnabled(not on)
        self.progress.setVisible(on)
        if on:
            self.progress.setRange(0, 0)
        self.status.setText(text)

    def _failed(self, err: BaseException) -> None:
        self._working(False, self.tr("It did not work: %1").replace("%1", str(err)))

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Privacy and your data"))
        self.table.setHorizontalHeaderLabels([
            self.tr("Data"), self.tr("Purpose"), self.tr("Legal basis"), self.tr("Kept for"),
            self.tr("Where"), self.tr("Leaves this computer")])
        self.retention_label.setText(self.tr("Erase conversations unused for (&days):"))
        self.retention_apply.setText(self.tr("&Apply"))
        self.export_button.setText(self.tr("E&xport all my data…"))
        self.export_button.setToolTip(self.tr(
            "Everything the app holds about you, in one zip archive of JSON files."))
        self.records_button.setText(self.tr("&Save the records as JSON…"))
        self.erase_button.setText(self.tr("&Erase all my data…"))
        if self.close_button is not None:
            self.close_button.setText(self.tr("Close"))
        if self.records:
            self._fill_table()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class RetentionTimer(QObject):
    """The retention purge once a day while the app runs (it also runs as the store opens)."""

    purged = Signal(int)  # conversations erased

    def __init__(self, ctx: AppContext, taskman: TaskManager, parent: QObject | None = None,
                 interval_ms: int = DAY_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.taskman = taskman
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.purge_now)
        self.timer.start()

    def purge_now(self) -> None:
        from app.services.privacy import purge_expired

        ctx = self.ctx
        self.taskman.run(lambda: purge_expired(ctx, ctx.audit.store()), self._done, self._failed)

    def _done(self, erased: int) -> None:
        if erased:
            self.purged.emit(erased)

    def _failed(self, err: BaseException) -> None:
        log.warning("the daily retention purge did not run: %s", err)
