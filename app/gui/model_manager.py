"""The Model manager: every model found, its metadata and signature status; verify with
progress and cancel, import a GGUF file (copied or referenced) with its manifest,
choose the active model, and set GPU layers and context length per model. It opens on the
active model, showing the options in force for it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.gui.icons import icon
from app.gui.model_options import KV_CACHE_TYPES, model_options, save_model_options
from app.gui.qt import (
    QComboBox,
    QDialog,
    QEvent,
    QFileDialog,
    QFont,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    Qt,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
    is_alive,
)
from app.gui.widgets import row_table
from app.gui.workers import VerifyWorker
from app.services.model_names import display_name

if TYPE_CHECKING:
    from app.gui.taskman import TaskManager
    from app.services.context import AppContext
    from app.services.models import LoadedModel, ModelEntry

log = logging.getLogger(__name__)

COLUMNS = ("name", "architecture", "parameters", "quantization", "size", "memory", "status", "reason")


def human_bytes(n: int | None) -> str:
    if not n:
        return "–"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit in ("B", "KiB") else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def human_count(n: int | None) -> str:
    if not n:
        return "–"
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= div:
            return f"{n / div:.1f}{suffix}".replace(".0", "")
    return str(n)


def signature_kind(entry: ModelEntry) -> str:
    """verified | unsigned | tampered | untrusted | broken | unchecked, for display."""
    if entry.status != "refused":
        return entry.status
    reason = entry.reason.lower()
    if "untrusted signer" in reason or "not in the trust store" in reason:
        return "untrusted"
    return "tampered"


class ModelManagerDialog(QDialog):
    model_chosen = Signal(str)  # a path, or "" for the default model
    options_changed = Signal(str)  # a model file name
    listed = Signal()  # the table shows the models found (not yet verified)
    verified = Signal()  # a verification run has ended
    imported = Signal(str)  # the path of a model just imported

    def __init__(self, ctx: AppContext, taskman: TaskManager, active: Path | None = None,
                 parent: QWidget | None = None, *, loaded: LoadedModel | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelManager")
        self.ctx = ctx
        self.taskman = taskman
        self.active = active
        self.loaded = loaded  # the model loaded now: its options in force are shown
        self.entries: list[ModelEntry] = []
        self.verify_worker: VerifyWorker | None = None
        self._verify_rows: list[int] = []
        self.table = row_table(len(COLUMNS), "modelTable")
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.progress = QProgressBar()
        self.progress.setObjectName("verifyProgress")
        self.progress.setVisible(False)
        self.progress_label = QLabel()
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("cancelVerifyButton")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_verify)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        # Per-model options.
        self.gpu_layers = QSpinBox()
        self.gpu_layers.setObjectName("gpuLayers")
        self.gpu_layers.setRange(-1, 1000)
        self.gpu_layers.setSpecialValueText("automatic")  # at -1; translated in retranslate
        self.context_length = QSpinBox()
        self.context_length.setObjectName("contextLength")
        self.context_length.setRange(256, 1048576)
        self.context_length.setSingleStep(256)
        self.kv_cache = QComboBox()
        self.kv_cache.setObjectName("kvCache")
        for kv in KV_CACHE_TYPES:
            self.kv_cache.addItem(kv, kv)
        self.kv_cache.currentIndexChanged.connect(self._estimate_changed)
        self.context_length.valueChanged.connect(self._estimate_changed)
        self.estimate_label = QLabel()
        self.estimate_label.setObjectName("memoryEstimate")
        self.save_options_button = QPushButton()
        self.save_options_button.setObjectName("saveOptionsButton")
        self.save_options_button.clicked.connect(self.save_options)
        self.in_force_label = QLabel()
        self.in_force_label.setObjectName("inForce")
        self.in_force_label.setWordWrap(True)
        self.options_box = QGroupBox()
        form = QFormLayout(self.options_box)
        self.gpu_label, self.ctx_label, self.kv_label = QLabel(), QLabel(), QLabel()
        form.addRow(self.gpu_label, self.gpu_layers)
        form.addRow(self.ctx_label, self.context_length)
        form.addRow(self.kv_label, self.kv_cache)
        form.addRow("", self.estimate_label)
        form.addRow("", self.in_force_label)
        form.addRow("", self.save_options_button)
        self.options_box.setEnabled(False)
        # Actions.
        self.import_button = QPushButton(icon("import"), "")
        self.import_button.setObjectName("importButton")
        self.import_button.clicked.connect(self.choose_import)
        self.verify_button = QPushButton(icon("verify"), "")
        self.verify_button.setObjectName("verifyButton")
        self.verify_button.clicked.connect(self.verify_selected)
        self.use_button = QPushButton()
        self.use_button.setObjectName("useModelButton")
        self.use_button.clicked.connect(self.use_selected)
        self.use_button.setEnabled(False)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        for b in (self.import_button, self.verify_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(progress_row)
        layout.addWidget(self.options_box)
        layout.addLayout(buttons)
        self.resize(980, 480)
        self.retranslate()

    # -- listing ------------------------------------------------------------------------------

    def refresh(self, verify: bool = True) -> None:
        """List the models (headers only, fast), then verify them all in the background."""
        from app.services.models import list_models

        ctx = self.ctx
        self.taskman.run(lambda: list_models(ctx), lambda entries: self._listed(entries, verify))

    def _listed(self, entries: list[ModelEntry], verify: bool) -> None:
        if not is_alive(self):  # the dialog was closed (and deleted) while models were listed
            return
        self.entries = list(entries)
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            self._fill_row(row, entry)
        self.select_active()
        self.listed.emit()
        if verify and self.entries:
            self.verify_rows(list(range(len(self.entries))))

    def _fill_row(self, row: int, entry: ModelEntry) -> None:
        info = entry.info
        opts = model_options(self.ctx, entry.name)
        n_ctx = min(opts["context_length"], info.context_length or opts["context_length"])
        name = display_name(info, entry.path) + (self.tr(" (default)") if entry.is_default else "")
        values = {
            "name": name,
            "architecture": info.architecture or "–",
            "parameters": human_count(info.parameters),
            "quantization": info.quantization or "–",
            "size": human_bytes(info.file_size),
            "memory": human_bytes(info.estimate_memory(n_ctx, opts["kv_cache"])) if info.ok else "–",
            "status": self.status_text(entry),
            "reason": entry.reason,
        }
        is_active = self._is_active(entry)
        for col, key in enumerate(COLUMNS):
            item = QTableWidgetItem(values[key])
            if key == "name":
                item.setToolTip(self.tr("File: %1").replace("%1", str(entry.path)))
                if is_active:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
            if key == "reason":
                item.setToolTip(entry.reason)
            self.table.setItem(row, col, item)

    def select_active(self) -> None:
        """Select the active model's row, so its options in force show at once."""
        rows = self._active_rows()
        if rows and not self.table.selectedIndexes():
            self.table.selectRow(rows[0])

    def _active_rows(self) -> list[int]:
        return [r for r, e in enumerate(self.entries) if self._is_active(e)][:1]

    def _is_active(self, entry: ModelEntry) -> bool:
        if self.active is None:
            return entry.is_default
        return entry.path == self.active

    def status_text(self, entry: ModelEntry) -> str:
        kind = signature_kind(entry)
        return {
            "verified": self.tr("Verified"),
            "unsigned": self.tr("Unsigned"),
            "tampered": self.tr("Refused: tampered"),
            "untrusted": self.tr("Refused: untrusted signer"),
            "broken": self.tr("Broken file"),
            "unchecked": self.tr("Not verified yet"),
        }.get(kind, kind)

    def row_texts(self, row: int) -> dict[str, str]:
        return {key: self.table.item(row, col).text() for col, key in enumerate(COLUMNS)}

    def find_rows(self, path: Path) -> list[int]:
        return [i for i, e in enumerate(self.entries) if e.path == path]

    # -- verifying ----------------------------------------------------------------------------

    def verify_selected(self) -> None:
        """Verify the rows the user selected; all of them when only the active one is
        selected (as the manager opens)."""
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        if not rows or rows == self._active_rows():
            rows = list(range(len(self.entries)))
        self.verify_rows(rows)

    def verify_rows(self, rows: list[int]) -> None:
        if self.verify_worker is not None or not rows:
            return
        self._verify_rows = rows
        worker = VerifyWorker(self.ctx, [self.entries[r].path for r in rows])
        worker.progress.connect(self._verify_progress)
        worker.entry_done.connect(self._verify_entry_done)
        worker.finished.connect(self._verify_ended)
        worker.failed.connect(self._verify_failed)
        self.verify_worker = worker
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.verify_button.setEnabled(False)
        self.progress_label.setText(self.tr("Verifying…"))
        self.taskman.start(worker)

    def cancel_verify(self) -> None:
        if self.verify_worker is not None:
            self.verify_worker.cancel.set()

    def _verify_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(done * 1000 / total))

    def _verify_entry_done(self, index: int, entry: ModelEntry) -> None:
        row = self._verify_rows[index]
        if row < len(self.entries) and self.entries[row].path == entry.path:
            self.entries[row] = entry
            self._fill_row(row, entry)

    def _verify_ended(self, _result: Any) -> None:
        self._end_verify()
        self.verified.emit()

    def _verify_failed(self, _message: str) -> None:
        worker = self.verify_worker
        self._end_verify()
        if worker is not None and worker.error is not None and self.taskman.on_error is not None:
            self.taskman.on_error(worker.error)

    def _end_verify(self) -> None:
        self.verify_worker = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.verify_button.setEnabled(True)
        self.progress_label.clear()

    # -- choosing, options, importing ---------------------------------------------------------

    def selected_entry(self) -> ModelEntry | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.entries[rows.pop()] if len(rows) == 1 else None

    def _selection_changed(self) -> None:
        entry = self.selected_entry()
        self.use_button.setEnabled(entry is not None and entry.status not in ("broken", "refused"))
        self.options_box.setEnabled(entry is not None)
        if entry is not None:
            opts = model_options(self.ctx, entry.name)
            layers = entry.info.n_layers or 1000
            self.gpu_layers.setRange(-1, layers + 1)  # llama.cpp counts the output layer too
            self.gpu_layers.setValue(min(opts["gpu_layers"], layers + 1))
            self.context_length.setMaximum(max(256, entry.info.context_length or 1048576))
            self.context_length.setValue(opts["context_length"])
            self.kv_cache.setCurrentIndex(max(0, self.kv_cache.findData(opts["kv_cache"])))
            self.options_box.setTitle(self.tr("Options for %1").replace(
                "%1", display_name(entry.info, entry.path)))
        self._show_in_force(entry)

    def _estimate_changed(self, *_: Any) -> None:
        """The memory the selected model would take with the options as they are now set."""
        entry = self.selected_entry()
        if entry is None or not entry.info.ok:
            self.estimate_label.clear()
            return
        n_ctx = min(self.context_length.value(), entry.info.context_length or self.context_length.value())
        self.estimate_label.setText(self.tr("Memory with these options: about %1").replace(
            "%1", human_bytes(entry.info.estimate_memory(n_ctx, self.kv_cache.currentData() or "f16"))))

    def _show_in_force(self, entry: ModelEntry | None) -> None:
        """What the loaded model runs with now, when it is the one selected."""
        m = self.loaded
        if entry is None or m is None or m.path != entry.path:
            self.in_force_label.setText(self.tr("Used the next time this model loads."))
            return
        self.in_force_label.setText(
            self.tr("In use now: %1 of %2 layers on the GPU (%3), a context of %4 tokens.")
            .replace("%1", str(m.plan.n_gpu_layers)).replace("%2", str(m.plan.n_layers))
            .replace("%3", m.plan.backend.name).replace("%4", str(m.engine.n_ctx)))

    def save_options(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        save_model_options(self.ctx, entry.name, self.gpu_layers.value(), self.context_length.value(),
                           self.kv_cache.currentData())
        for row in self.find_rows(entry.path):
            self._fill_row(row, self.entries[row])
        self.options_changed.emit(entry.name)

    def use_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        self.active = entry.path
        self.model_chosen.emit("" if entry.is_default else str(entry.path))
        for row, e in enumerate(self.entries):
            self._fill_row(row, e)

    def choose_import(self) -> None:
        dialog = QFileDialog(self, self.tr("Import a GGUF model"))
        dialog.setNameFilter(self.tr("GGUF models (*.gguf)"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self._ask_copy_or_reference)
        dialog.open()

    def _ask_copy_or_reference(self, path: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Import model"),
                          self.tr("Copy the model into your models folder, or use it where it is? "
                                  "Its manifest (if beside it) comes along."), parent=self)
        copy = box.addButton(self.tr("Copy"), QMessageBox.ButtonRole.AcceptRole)
        link = box.addButton(self.tr("Use in place"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)

        def chosen(_result: int) -> None:
            if box.clickedButton() in (copy, link):
                self.import_model(Path(path), copy=box.clickedButton() is copy)

        box.finished.connect(chosen)
        box.open()

    def import_model(self, source: Path, *, copy: bool) -> None:
        from app.catalog.catalog import import_model

        dest_dir = self.ctx.paths.models
        self.progress_label.setText(self.tr("Importing %1…").replace("%1", source.name))
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)

        def done(dest: Path) -> None:
            if not is_alive(self):  # closed meanwhile: the import itself is done and kept
                return
            self.progress.setVisible(False)
            self.progress_label.clear()
            self.imported.emit(str(dest))
            self.refresh()

        def failed(exc: BaseException) -> None:
            if is_alive(self):
                self.progress.setVisible(False)
                self.progress_label.clear()
            if self.taskman.on_error is not None:
                self.taskman.on_error(exc)

        self.taskman.run(lambda: import_model(source, dest_dir, copy=copy), done, failed)

    # -- lifetime and translation -------------------------------------------------------------

    def closeEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt's name
        self.cancel_verify()
        super().closeEvent(event)

    def done(self, result: int) -> None:  # type: ignore[override]
        self.cancel_verify()
        super().done(result)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Models"))
        self.table.setHorizontalHeaderLabels([
            self.tr("Model"), self.tr("Architecture"), self.tr("Parameters"),
            self.tr("Quantization"), self.tr("Size"), self.tr("Est. memory"),
            self.tr("Signature"), self.tr("Reason"),
        ])
        self.table.setAccessibleName(self.tr("Models"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel verification"))
        self.progress.setAccessibleName(self.tr("Verification progress"))
        self.gpu_label.setText(self.tr("GPU layers"))
        self.gpu_layers.setSpecialValueText(self.tr("automatic"))
        self.gpu_layers.setToolTip(self.tr("Automatic offloads as many layers as fit the GPU's "
                                           "free memory (none on a CPU-only build)"))
        self.ctx_label.setText(self.tr("Context length (tokens)"))
        self.kv_label.setText(self.tr("KV cache precision"))
        self.kv_cache.setAccessibleName(self.tr("KV cache precision"))
        self.kv_cache.setToolTip(self.tr("q8_0 halves the memory a long context takes with "
                                         "almost no change in replies; q4_0 quarters it, with some"))
        self.gpu_layers.setAccessibleName(self.tr("GPU layers"))
        self.context_length.setAccessibleName(self.tr("Context length"))
        self.save_options_button.setText(self.tr("Save options"))
        self.options_box.setTitle(self.tr("Options for the selected model"))
        self.import_button.setText(self.tr("Import…"))
        self.import_button.setAccessibleName(self.tr("Import a model"))
        self.verify_button.setText(self.tr("Verify"))
        self.verify_button.setAccessibleName(self.tr("Verify signatures"))
        self.use_button.setText(self.tr("Use this model"))
        self.use_button.setAccessibleName(self.tr("Use this model"))
        self.close_button.setText(self.tr("Close"))
        for row, entry in enumerate(self.entries):
            self._fill_row(row, entry)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt's name
        if event.key() == Qt.Key.Key_Escape and self.verify_worker is not None:
            self.cancel_verify()
            return
        super().keyPressEvent(event)
