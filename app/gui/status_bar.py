"""The status bar: which model (by the name it gives itself), on which backend, how full the
context is, and how fast the last reply came; a progress bar while the model loads, the
reason and a way to choose another model when it could not load, and the progress of a
model being imported; and the sync indicator (see sync_status)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.gui.qt import QEvent, QLabel, QProgressBar, QPushButton, QStatusBar, QWidget, Signal
from app.gui.sync_status import SyncIndicator

if TYPE_CHECKING:
    from app.engine.types import ReplyStats
    from app.services.models import LoadedModel


class StatusBar(QStatusBar):
    choose_model_requested = Signal()  # "Choose another model…" after a failed load

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.model_label = QLabel()
        self.model_label.setObjectName("modelStatus")
        self.backend_label = QLabel()
        self.backend_label.setObjectName("backendStatus")
        self.context_label = QLabel()
        self.context_label.setObjectName("contextStatus")
        self.speed_label = QLabel()
        self.speed_label.setObjectName("speedStatus")
        self.progress = QProgressBar()
        self.progress.setObjectName("loadProgress")
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.choose_button = QPushButton()
        self.choose_button.setObjectName("chooseModelButton")
        self.choose_button.setFlat(True)
        self.choose_button.setVisible(False)
        self.choose_button.clicked.connect(self.choose_model_requested)
        self.import_label = QLabel()
        self.import_label.setObjectName("importStatus")
        self.import_progress = QProgressBar()
        self.import_progress.setObjectName("importProgress")
        self.import_progress.setMaximumWidth(160)
        self.import_progress.setTextVisible(False)
        for w in (self.import_label, self.import_progress):
            w.setVisible(False)
        self.addWidget(self.model_label)
        self.addWidget(self.progress)
        self.addWidget(self.choose_button)
        self.addWidget(self.import_label)
        self.addWidget(self.import_progress)
        self.sync_indicator = SyncIndicator()  # hidden while no sync server is set up
        self.addPermanentWidget(self.sync_indicator)
        for w in (self.backend_label, self.context_label, self.speed_label):
            self.addPermanentWidget(w)
        self._state = "idle"  # idle | loading | ready | failed
        self._model_name = ""
        self._reason = ""
        self._import: tuple[str, str, int, int] | None = None  # name, phase, done, total
        self._model: LoadedModel | None = None
        self._context: tuple[int, int] | None = None
        self._stats: ReplyStats | None = None
        self._progress: tuple[int, int] = (0, 0)
        self.retranslate()

    @property
    def state(self) -> str:
        """idle | loading | ready | failed: the model's state as shown."""
        return self._state

    def show_loading(self, name: str) -> None:
        self._state, self._model_name, self._model, self._reason = "loading", name, None, ""
        self._progress = (0, 0)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.retranslate()

    def show_load_progress(self, done: int, total: int) -> None:
        self._progress = (done, total)
        if total > 0 and done < total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(done * 1000 / total))
        else:
            self.progress.setRange(0, 0)  # verified; llama.cpp now maps the weights
        self.retranslate()

    def show_model(self, model: LoadedModel | None, *, failed: bool = False,
                   reason: str = "") -> None:
        from app.services.model_names import display_name

        self._model = model
        self._state = "ready" if model is not None else ("failed" if failed else "idle")
        self._reason = reason if failed else ""
        if model is not None:
            self._model_name = display_name(model.info, model.path)
        self.model_label.setToolTip(str(model.path) if model is not None else self._reason)
        self.progress.setVisible(False)
        self.choose_button.setVisible(self._state == "failed")
        self.retranslate()

    def show_import(self, name: str, phase: str, done: int = 0, total: int = 0) -> None:
        """A model being imported: ``phase`` is "copying" or "verifying"; "" ends it."""
        self._import = (name, phase, done, total) if phase else None
        visible = self._import is not None
        self.import_label.setVisible(visible)
        self.import_progress.setVisible(visible)
        if total > 0:
            self.import_progress.setRange(0, 1000)
            self.import_progress.setValue(int(min(done, total) * 1000 / total))
        else:
            self.import_progress.setRange(0, 0)
        self.retranslate()

    def show_context(self, used: int, window: int) -> None:
        self._context = (used, window)
        self.retranslate()

    def show_stats(self, stats: ReplyStats | None) -> None:
        self._stats = stats
        self.retranslate()

    def retranslate(self) -> None:
        if self._state == "loading":
            done, total = self._progress
            if total > 0 and done < total:
                text = self.tr("Verifying %1… %2%").replace("%1", self._model_name).replace(
                    "%2", str(int(done * 100 / total)))
            else:
                text = self.tr("Loading %1…").replace("%1", self._model_name)
        elif self._state == "ready":
            text = self.tr("Model: %1").replace("%1", self._model_name)
        elif self._state == "failed":
            text = self.tr("The model could not be loaded: %1").replace(
                "%1", _first_line(self._reason) or self.tr("see the error"))
        else:
            text = self.tr("No model loaded")
        self.model_label.setText(text)
        self.model_label.setAccessibleName(self.tr("Model status"))
        self.choose_button.setText(self.tr("Choose another model…"))
        self.choose_button.setToolTip(self.tr("Open the model manager (Ctrl+Shift+M)"))
        if self._import is not None:
            name, phase, done, total = self._import
            pct = f" {int(done * 100 / total)}%" if total > 0 else ""
            label = self.tr("Importing %1…") if phase == "copying" else self.tr("Verifying %1…")
            self.import_label.setText(label.replace("%1", name) + pct)
        self.import_progress.setAccessibleName(self.tr("Import progress"))
        m = self._model
        if m is not None:
            plan = m.plan
            text = (plan.backend.name + " · " + self.tr("GPU layers %1/%2")
                    .replace("%1", str(plan.n_gpu_layers)).replace("%2", str(plan.n_layers)))
            if plan.n_gpu_layers and len(plan.backend.devices) > 1:
                where = plan.placement
                text += " · " + (self.tr("GPU %1").replace("%1", str(where.main_gpu))
                                 if where.split_mode == "none" else
                                 self.tr("split by %1 over %2 GPUs")
                                 .replace("%1", self.tr("rows") if where.split_mode == "row"
                                          else self.tr("layers"))
                                 .replace("%2", str(len(plan.backend.devices))))
                self.backend_label.setToolTip(where.describe(plan.backend.devices))
            if m.draft_name:
                text += " · " + self.tr("draft model %1").replace("%1", m.draft_name)
            elif m.draft_error:
                text += " · " + self.tr("no draft model")
                self.backend_label.setToolTip(m.draft_error)
            self.backend_label.setText(text)
        else:
            self.backend_label.setText("")
        if self._context is not None:
            used, window = self._context
            self.context_label.setText(self.tr("Context %1 / %2").replace("%1", str(used))
                                       .replace("%2", str(window)))
        else:
            self.context_label.setText("")
        s = self._stats
        if s is not None and s.generated_tokens:
            self.speed_label.setText(
                self.tr("%1 tok/s · first token %2 ms")
                .replace("%1", f"{s.decode_tokens_per_s:.1f}")
                .replace("%2", f"{s.time_to_first_token_s * 1000:.0f}")
            )
        else:
            self.speed_label.setText("")
        self.backend_label.setAccessibleName(self.tr("Backend"))
        self.context_label.setAccessibleName(self.tr("Context used"))
        self.speed_label.setAccessibleName(self.tr("Speed of the last reply"))
        self.progress.setAccessibleName(self.tr("Model loading progress"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def _first_line(text: str, limit: int = 160) -> str:
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"
