"""The status bar: which model, on which backend, how full the context is, and how fast
the last reply came; a progress bar while the model loads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.gui.qt import QEvent, QLabel, QProgressBar, QStatusBar, QWidget

if TYPE_CHECKING:
    from app.engine.types import ReplyStats
    from app.services.models import LoadedModel


class StatusBar(QStatusBar):
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
        self.addWidget(self.model_label)
        self.addWidget(self.progress)
        for w in (self.backend_label, self.context_label, self.speed_label):
            self.addPermanentWidget(w)
        self._state = "idle"  # idle | loading | ready | failed
        self._model_name = ""
        self._model: LoadedModel | None = None
        self._context: tuple[int, int] | None = None
        self._stats: ReplyStats | None = None
        self._progress: tuple[int, int] = (0, 0)
        self.retranslate()

    def show_loading(self, name: str) -> None:
        self._state, self._model_name, self._model = "loading", name, None
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

    def show_model(self, model: LoadedModel | None, *, failed: bool = False) -> None:
        self._model = model
        self._state = "ready" if model is not None else ("failed" if failed else "idle")
        if model is not None:
            self._model_name = model.name
        self.progress.setVisible(False)
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
            text = self.tr("No model loaded (see the error)")
        else:
            text = self.tr("No model loaded")
        self.model_label.setText(text)
        self.model_label.setAccessibleName(self.tr("Model status"))
        m = self._model
        if m is not None:
            plan = m.plan
            self.backend_label.setText(
                plan.backend.name + " · " + self.tr("GPU layers %1/%2")
                .replace("%1", str(plan.n_gpu_layers)).replace("%2", str(plan.n_layers))
            )
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
