"""The audit log viewer (Help → Audit log…): the records, newest first, filtered by action
and period, and a Verify button that proves nothing was altered or removed. Read-only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from app.gui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QEvent,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from app.gui.widgets import row_table

if TYPE_CHECKING:
    from app.gui.taskman import TaskManager
    from app.security.audit import AuditEntry, Verdict
    from app.services.context import AppContext

LIMIT = 1000  # rows shown at once; the CLI's `autoglm audit list` reaches the rest
PERIODS = (None, 1, 7, 30)  # days back; None: any time


class AuditDialog(QDialog):
    """One table over ``ctx.audit``; every read runs in the background."""

    def __init__(self, ctx: AppContext, taskman: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditDialog")
        self.trail = ctx.audit
        self.taskman = taskman
        self.entries: list[AuditEntry] = []
        self.action_filter = QComboBox(self)
        self.action_filter.setObjectName("auditAction")
        self.action_filter.addItem("", None)
        self.period = QComboBox(self)
        self.period.setObjectName("auditPeriod")
        for days in PERIODS:
            self.period.addItem("", days)
        self.action_label = QLabel(self)
        self.period_label = QLabel(self)
        self.table = row_table(7, "auditTable")
        self.shown = QLabel(self)
        self.shown.setObjectName("auditShown")
        self.verify_button = QPushButton(self)
        self.verify_button.setObjectName("auditVerify")
        self.against_button = QPushButton(self)
        self.against_button.setObjectName("auditVerifyAgainst")
        self.verdict = QLabel(self)
        self.verdict.setObjectName("auditVerdict")
        self.verdict.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        filters = QHBoxLayout()
        for label, box in ((self.action_label, self.action_filter),
                           (self.period_label, self.period)):
            label.setBuddy(box)
            filters.addWidget(label)
            filters.addWidget(box)
        filters.addStretch(1)
        filters.addWidget(self.verify_button)
        filters.addWidget(self.against_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.shown)
        layout.addWidget(self.verdict)
        layout.addWidget(buttons)
        self.resize(960, 560)

        self.action_filter.currentIndexChanged.connect(self.refresh)
        self.period.currentIndexChanged.connect(self.refresh)
        self.verify_button.clicked.connect(lambda: self.verify())
        self.against_button.clicked.connect(self.verify_against)
        self.retranslate()
        self.refresh()

    # -- reading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        action = self.action_filter.currentData()
        days = self.period.currentData()
        since = datetime.now(UTC) - timedelta(days=days) if days else None
        trail = self.trail

        def load() -> tuple[list[str], list[AuditEntry]]:
            return trail.actions(), trail.list(limit=LIMIT, action=action, since=since)

        self.taskman.run(load, self._show, self._failed)

    def _show(self, result: tuple[list[str], list[AuditEntry]]) -> None:
        actions, self.entries = result
        known = {self.action_filter.itemData(i) for i in range(self.action_filter.count())}
        for name in actions:
            if name not in known:
                self.action_filter.addItem(name, name)
        self.table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            cells = (str(e.seq), e.time.astimezone().strftime("%Y-%m-%d %H:%M:%S"), e.actor,
                     e.action, e.object, e.outcome,
                     json.dumps(e.details, ensure_ascii=False, sort_keys=True))
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.shown.setText(self.tr("Records shown: %1, newest first.").replace(
            "%1", str(len(self.entries))))

    # -- verifying ----------------------------------------------------------------------------

    def verify(self, checkpoint: Path | None = None) -> None:
        """Check the log; against ``checkpoint`` (a file kept off the machine) too, which
        is what finds a cut-off tail."""
        self.verify_button.setEnabled(False)
        self.against_button.setEnabled(False)
        self.verdict.setText(self.tr("Verifying every record and signed checkpoint…"))
        trail = self.trail
        self.taskman.run(lambda: trail.verify(checkpoint), self._verified, self._failed)

    def verify_against(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, self.tr("Checkpoint or export kept off this computer"), "",
            self.tr("Audit checkpoints and exports (*.json *.jsonl);;All files (*)"))
        if chosen:
            self.verify(Path(chosen))

    def _verified(self, verdict: Verdict) -> None:
        self.verify_button.setEnabled(True)
        self.against_button.setEnabled(True)
        if verdict.ok:
            self.verdict.setText(self.tr(
                "The audit log is intact: %1 records and %2 signed checkpoints verified."
            ).replace("%1", str(verdict.records)).replace("%2", str(verdict.checkpoints)))
            self.verdict.setProperty("state", "ok")
        else:
            self.verdict.setText(self.tr(
                "The audit log was altered: it fails at record %1 (%2)."
            ).replace("%1", str(verdict.first_bad)).replace("%2", verdict.reason))
            self.verdict.setProperty("state", "broken")

    def _failed(self, err: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.against_button.setEnabled(True)
        self.verdict.setText(self.tr("The audit log could not be checked: %1").replace("%1", str(err)))
        self.verdict.setProperty("state", "error")

    # -- language -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Audit log"))
        self.action_label.setText(self.tr("&Action:"))
        self.period_label.setText(self.tr("&Period:"))
        self.action_filter.setItemText(0, self.tr("All actions"))
        periods = (self.tr("Any time"), self.tr("Last 24 hours"), self.tr("Last 7 days"),
                   self.tr("Last 30 days"))
        for i, text in enumerate(periods):
            self.period.setItemText(i, text)
        self.table.setHorizontalHeaderLabels([
            self.tr("No."), self.tr("Time"), self.tr("Actor"), self.tr("Action"),
            self.tr("Object"), self.tr("Outcome"), self.tr("Details")])
        self.verify_button.setText(self.tr("&Verify"))
        self.verify_button.setToolTip(self.tr(
            "Check every record's MAC and every signed checkpoint: proves nothing was altered "
            "or removed."))
        self.against_button.setText(self.tr("Verify against a &checkpoint…"))
        self.against_button.setToolTip(self.tr(
            "Also check the log against a checkpoint or export kept off this computer: finds "
            "records removed from the end."))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
