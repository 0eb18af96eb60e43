"""Dropping a model onto the window: the GGUF file is copied into the models folder and
verified, with progress in the status bar; then the user may use it at once, or is told
what to do when it is unsigned, signed by a key not trusted here, or altered."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from app.gui.qt import (
    QDragEnterEvent,
    QDropEvent,
    QEvent,
    QMessageBox,
    QObject,
    QUrl,
    QWidget,
    Signal,
)
from app.gui.workers import ImportWorker

if TYPE_CHECKING:
    from app.gui.status_bar import StatusBar
    from app.gui.taskman import TaskManager
    from app.services.context import AppContext
    from app.services.models import ModelEntry

log = logging.getLogger(__name__)

MODEL_SUFFIX = ".gguf"
MANIFEST_SUFFIX = ".gguf.manifest.json"


def dropped_files(urls: list[QUrl]) -> list[Path]:
    """The local GGUF files and manifests among dropped ``urls``."""
    out = []
    for url in urls:
        if not url.isLocalFile():
            continue
        path = Path(url.toLocalFile())
        if path.name.lower().endswith((MODEL_SUFFIX, MANIFEST_SUFFIX)) and path.is_file():
            out.append(path)
    return out


class ModelDropImporter(QObject):
    """Takes GGUF files and manifests dropped onto ``parent`` (the main window) and imports
    them one model at a time; ``imported(entry)`` when verified or not, ``use_requested(path)``
    when the user chooses to use the new model."""

    imported = Signal(object)  # the ModelEntry of the copy, with its signature status
    use_requested = Signal(str)
    ended = Signal()  # an import finished, failed or was cancelled
    progress_changed = Signal(str, int, int)  # phase ("copying", "verifying"), done, total

    def __init__(self, ctx: AppContext, taskman: TaskManager, status: StatusBar,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.taskman = taskman
        self.status = status
        self.parent_widget = parent
        self.worker: ImportWorker | None = None
        self.queue: list[Path] = []
        self.last_box: QMessageBox | None = None
        self._phase = ""
        self._name = ""
        parent.setAcceptDrops(True)
        parent.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if isinstance(event, QDragEnterEvent | QDropEvent) and event.mimeData().hasUrls():
            paths = dropped_files(event.mimeData().urls())
            if paths:
                event.acceptProposedAction()
                if event.type() == QEvent.Type.Drop:
                    self.drop(paths)
                return True
        return super().eventFilter(watched, event)

    def drop(self, paths: list[Path]) -> None:
        """Import the dropped GGUF files; a manifest dropped without its model goes beside the
        model already in the models folder, which is then verified again."""
        models = [p for p in paths if p.name.lower().endswith(MODEL_SUFFIX)]
        for manifest in (p for p in paths if p.name.lower().endswith(MANIFEST_SUFFIX)):
            model_name = manifest.name[: -len(".manifest.json")]
            if any(m.name == model_name for m in models):
                continue  # import_model brings it along from beside the model
            self._place_manifest(manifest, model_name)
        self.queue.extend(models)
        self._next()

    def cancel(self) -> None:
        self.queue.clear()
        if self.worker is not None:
            self.worker.cancel.set()

    # -- internals ----------------------------------------------------------------------------

    def _place_manifest(self, manifest: Path, model_name: str) -> None:
        models_dir = self.ctx.paths.models
        model = models_dir / model_name
        if not model.exists():
            self._explain(QMessageBox.Icon.Warning, self.tr("Manifest without its model"), self.tr(
                "%1 is a manifest for %2, which is not in your models folder. Drop the model "
                "file and its manifest together.").replace("%1", manifest.name)
                .replace("%2", model_name))
            return
        if manifest.parent.resolve() != models_dir.resolve():
            shutil.copyfile(manifest, models_dir / manifest.name)
        self.queue.append(model)  # verified again, now with its manifest

    def _next(self) -> None:
        if self.worker is not None or not self.queue:
            return
        source = self.queue.pop(0)
        worker = ImportWorker(self.ctx, source)  # a model already in the folder stays as is
        worker.phase.connect(self._phase_changed)
        worker.progress.connect(self._progress)
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        self.worker = worker
        self._name = source.name
        self._phase = "copying"
        self.status.show_import(self._name, self._phase)
        self.taskman.start(worker)

    def _phase_changed(self, phase: str) -> None:
        self._phase = phase
        self.status.show_import(self._name, phase)
        self.progress_changed.emit(phase, 0, 0)

    def _progress(self, done: int, total: int) -> None:
        self.status.show_import(self._name, self._phase, done, total)
        self.progress_changed.emit(self._phase, done, total)

    def _finished(self, entry: ModelEntry | None) -> None:
        self.worker = None
        self.status.show_import("", "")
        if entry is not None:
            self.imported.emit(entry)
            self._report(entry)
        self.ended.emit()
        self._next()

    def _failed(self, message: str) -> None:
        worker, self.worker = self.worker, None
        self.status.show_import("", "")
        self._explain(QMessageBox.Icon.Warning, self.tr("The model was not imported"),
                      self.tr("%1 could not be imported: %2").replace("%1", self._name)
                      .replace("%2", message))
        if worker is not None and worker.error is not None:
            log.info("import of %s failed: %s", self._name, worker.error)
        self.ended.emit()
        self._next()

    def _report(self, entry: ModelEntry) -> None:
        from app.gui.model_manager import signature_kind
        from app.services.model_names import display_name, signer_name

        name = display_name(entry.info, entry.path)
        kind = signature_kind(entry)
        if kind == "verified":
            box = self._explain(QMessageBox.Icon.Information, self.tr("Model imported"), self.tr(
                "%1 was imported and verified: it is signed by %2, a key you trust. Use it now?")
                .replace("%1", name).replace("%2", signer_name(self.ctx, entry.signer)),
                ask_use=str(entry.path))
            box.setDetailedText(str(entry.path))
            return
        if kind == "unsigned":
            text = self.tr(
                "%1 was copied into your models folder, but it has no manifest, so it will not "
                "be loaded: only models signed by a key you trust are.\n\nWhat you can do:\n"
                "• Ask your administrator (or whoever gave you the model) for its signed "
                "manifest, %2, and drop it onto this window.\n"
                "• If you built the model yourself, sign it with your own key: "
                "autoglm keys generate \"Your name\", then autoglm models sign %3"
            ).replace("%2", entry.path.name + ".manifest.json").replace("%3", str(entry.path))
        elif kind == "untrusted":
            text = self.tr(
                "%1 is signed, but by a key this computer does not trust, so it will not be "
                "loaded.\n\nWhat you can do:\n"
                "• If you know and trust who signed it, ask them for their public key file and "
                "trust it: autoglm keys trust FILE.pub\n"
                "• Or ask your administrator for a manifest signed by a key your organisation "
                "trusts, and drop it onto this window.")
        else:
            text = self.tr(
                "%1 does not match its manifest: the file was changed or damaged after it was "
                "signed, so it will not be loaded.\n\nWhat you can do: get a fresh copy from "
                "where it came from, with its manifest, and drop both onto this window.")
        box = self._explain(QMessageBox.Icon.Warning, self.tr("This model cannot be used yet"),
                            text.replace("%1", name))
        box.setDetailedText(f"{entry.path}\n{entry.reason}")

    def _explain(self, icon: QMessageBox.Icon, title: str, text: str, *,
                 ask_use: str | None = None) -> QMessageBox:
        box = QMessageBox(icon, title, text, parent=self.parent_widget)
        box.setObjectName("modelDropMessage")
        if ask_use is not None:
            use = box.addButton(self.tr("Use this model"), QMessageBox.ButtonRole.AcceptRole)
            box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
            box.finished.connect(lambda _r: box.clickedButton() is use
                                 and self.use_requested.emit(ask_use))
        else:
            box.addButton(QMessageBox.StandardButton.Ok)
        self.last_box = box
        box.open()
        return box
