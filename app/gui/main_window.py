"""The main window: conversation list, chat and composer side by side, menus and shortcuts,
the status bar, loading the model in the background, and remembered geometry."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.gui.chat_collections import CollectionChooser
from app.gui.chat_controller import ChatController
from app.gui.chat_view import ChatView
from app.gui.composer import Composer
from app.gui.conversation_list import ConversationList
from app.gui.errors import ErrorPresenter
from app.gui.icons import icon
from app.gui.qt import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QEvent,
    QKeySequence,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSettings,
    QSplitter,
    Qt,
    QTimer,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.gui.server_controller import ServerController
from app.gui.status_bar import StatusBar
from app.gui.store_unlock import NoticeBar
from app.gui.taskman import TaskManager
from app.gui.welcome import WelcomePanel
from app.gui.workers import ModelLoadWorker

if TYPE_CHECKING:
    from app.services.context import AppContext
    from app.services.models import LoadedModel

log = logging.getLogger(__name__)

STATE_FILE = "window-state.ini"  # remembered UI state, apart from the user's preferences
WELCOME_DISMISSED = "welcome/dismissed"
ModelLoader = Callable[..., Any]  # (progress=, cancel=) -> LoadedModel


def gui_threads(ctx: AppContext) -> int:
    """Decode threads for the desktop app: the ``threads`` setting, or one core fewer than
    there are, so llama.cpp's spinning workers never take the core the GUI thread needs
    (with every core busy, each token waits on the scheduler and the window stutters)."""
    from app.config import physical_cores

    configured = int(ctx.settings.get("threads"))
    return configured if configured > 0 else max(1, physical_cores() - 1)


def default_loader(ctx: AppContext) -> ModelLoader:
    """Load the configured model (or the default) with its per-model GPU layers and context."""

    def load(progress: Callable[[int, int], None], cancel: Any) -> LoadedModel:
        from app.gui.model_options import model_options
        from app.services.models import load_model, resolve_model

        path = resolve_model(ctx)
        opts = model_options(ctx, path.name)
        return load_model(ctx, str(path), n_ctx=opts["context_length"],
                          gpu_layers=opts["gpu_layers"], threads=gui_threads(ctx),
                          progress=progress, cancel=cancel, kv_cache=opts["kv_cache"])

    return load


class MainWindow(QMainWindow):
    model_ready = Signal(object)
    model_failed = Signal(str)
    close_asked = Signal()  # the "stop and quit?" question is showing

    def __init__(self, ctx: AppContext, *, model_loader: ModelLoader | None = None,
                 owns_model: bool = True, log_file: Any = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowIcon(icon("app"))
        self.ctx = ctx
        self.model: LoadedModel | None = None
        self.model_loader = model_loader or default_loader(ctx)
        self.owns_model = owns_model
        self.load_worker: ModelLoadWorker | None = None
        self.errors = ErrorPresenter(self, log_file)
        self.taskman = TaskManager(self, on_error=self.errors.show_exception)
        self.conversation_list = ConversationList()
        self.chat_view = ChatView()
        self.composer = Composer()
        self.status = StatusBar()
        self.setStatusBar(self.status)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.notice_bar = NoticeBar()
        column.addWidget(self.notice_bar)
        column.addWidget(self.chat_view, 1)
        column.addWidget(self.composer)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.conversation_list)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 740])
        self.setCentralWidget(self.splitter)
        self.welcome: WelcomePanel | None = None
        if not self.state_store().value(WELCOME_DISMISSED, False, type=bool):
            self.welcome = WelcomePanel()
            self.welcome.dismissed.connect(self.dismiss_welcome)
            self.welcome.models_requested.connect(self.open_model_manager)
            self.chat_view.set_welcome(self.welcome)
        self.status.choose_model_requested.connect(self.open_model_manager)
        self._build_drop_import()
        self.controller = ChatController(
            ctx, self.taskman, self.errors, self.conversation_list, self.chat_view,
            self.composer, self.status, lambda: self.model,
        )
        self.chat_collections = CollectionChooser(self.controller.collection_names)
        column.insertWidget(column.indexOf(self.composer), self.chat_collections)
        self.controller.attach_collections(self.chat_collections)
        self.controller.generating_changed.connect(self._generating_changed)
        self.controller.store_notice.connect(self.notice_bar.show_notice)
        self.controller.store_progress.connect(self._store_progress)
        # outlives the Settings dialog; serves with the weights of the model loaded here
        self.api_server = ServerController(ctx, self.taskman, self, lambda: self.model)
        self._close_box: QMessageBox | None = None
        self._quitting = False
        self.settings_dialog: Any = None
        self.model_manager: Any = None
        self.documents_dialog: Any = None
        self._build_retention()
        self._build_sync()
        self._build_actions()
        self.retranslate()
        self.resize(1100, 720)
        self.restore_state()

    # -- actions, menus, shortcuts ------------------------------------------------------------

    def _action(self, name: str, slot: Callable[[], Any], shortcut: QKeySequence | str | None = None,
                icon_name: str | None = None) -> QAction:
        action = QAction(self)
        action.setObjectName(name)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _build_actions(self) -> None:
        c = self.controller
        self.new_action = self._action("newChat", c.new_chat, QKeySequence.StandardKey.New, "new-chat")
        self.export_md_action = self._action("exportMarkdown", lambda: self._export("markdown"))
        self.export_json_action = self._action("exportJson", lambda: self._export("json"))
        self.quit_action = self._action("quit", self.close, QKeySequence.StandardKey.Quit)
        self.search_action = self._action("search", self.focus_search, QKeySequence.StandardKey.Find,
                                          "search")
        self.focus_input_action = self._action("focusInput", self.focus_input, "Ctrl+L")
        self.settings_action = self._action("settings", self.open_settings, "Ctrl+,", "settings")
        self.stop_action = self._action("stop", c.stop, "Esc", "stop")
        self.stop_action.setEnabled(False)
        self.regenerate_action = self._action("regenerate", c.regenerate, "Ctrl+R", "regenerate")
        self.models_action = self._action("models", self.open_model_manager, "Ctrl+Shift+M", "models")
        self.documents_action = self._action("documents", self.open_documents, "Ctrl+Shift+D")
        self.reload_model_action = self._action("reloadModel", self.reload_model)
        self.logs_action = self._action("openLogs", lambda: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(self.ctx.paths.logs))), None, "folder")
        self.about_action = self._action("about", self.about)
        self.audit_action = self._action("auditLog", self.open_audit_log)
        self.privacy_action = self._action("privacy", self.open_privacy)
        self.policy_action = self._action("adminPolicy", self.open_policy)
        bar = self.menuBar()
        self.file_menu = QMenu(self)
        self.file_menu.addAction(self.new_action)
        self.file_menu.addAction(self.documents_action)
        self.export_menu = QMenu(self)
        self.export_menu.setIcon(icon("export"))
        self.export_menu.addActions([self.export_md_action, self.export_json_action])
        self.file_menu.addMenu(self.export_menu)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.edit_menu = QMenu(self)
        self.edit_menu.addActions([self.search_action, self.focus_input_action])
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.settings_action)
        self.chat_menu = QMenu(self)
        self.chat_menu.addActions([self.stop_action, self.regenerate_action])
        self.models_menu = QMenu(self)
        self.models_menu.addActions([self.models_action, self.reload_model_action])
        self.help_menu = QMenu(self)
        self.help_menu.addActions([self.logs_action, self.audit_action, self.privacy_action,
                                   self.policy_action, self.about_action])
        for menu in (self.file_menu, self.edit_menu, self.chat_menu, self.models_menu,
                     self.help_menu):
            bar.addMenu(menu)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Open-AutoGLM"))
        self.file_menu.setTitle(self.tr("&File"))
        self.edit_menu.setTitle(self.tr("&Edit"))
        self.chat_menu.setTitle(self.tr("&Chat"))
        self.models_menu.setTitle(self.tr("&Models"))
        self.help_menu.setTitle(self.tr("&Help"))
        self.export_menu.setTitle(self.tr("&Export conversation"))
        texts = {
            self.new_action: self.tr("&New chat"),
            self.export_md_action: self.tr("As &Markdown…"),
            self.export_json_action: self.tr("As &JSON…"),
            self.quit_action: self.tr("&Quit"),
            self.search_action: self.tr("&Search conversations"),
            self.focus_input_action: self.tr("&Write a message"),
            self.settings_action: self.tr("Se&ttings…"),
            self.stop_action: self.tr("S&top the reply"),
            self.regenerate_action: self.tr("&Regenerate the reply"),
            self.models_action: self.tr("&Model manager…"),
            self.documents_action: self.tr("&Documents…"),
            self.reload_model_action: self.tr("Re&load the model"),
            self.logs_action: self.tr("Open the &log folder"),
            self.about_action: self.tr("&About Open-AutoGLM"),
            self.audit_action: self.tr("A&udit log…"),
            self.privacy_action: self.tr("&Privacy and your data…"),
            self.policy_action: self.tr("Administrator &policy…"),
        }
        for action, text in texts.items():
            action.setText(text)
        self.splitter.setAccessibleName(self.tr("Conversations and chat"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def focus_search(self) -> None:
        self.conversation_list.search.setFocus()
        self.conversation_list.search.selectAll()

    def focus_input(self) -> None:
        self.composer.edit.setFocus()

    def _export(self, fmt: str) -> None:
        cid = self.controller.current_id
        if cid is not None:
            self.controller.export(cid, fmt)

    def _generating_changed(self, on: bool) -> None:
        self.stop_action.setEnabled(on)
        self.regenerate_action.setEnabled(not on)
        self.reload_model_action.setEnabled(not on)

    # -- start-up and the model ---------------------------------------------------------------

    def start(self) -> None:
        """After the window is shown: open the store and load the model, both in the background."""
        self.controller.start()
        self.load_model()

    def load_model(self) -> None:
        if self.load_worker is not None:
            return
        worker = ModelLoadWorker(self.model_loader)
        worker.progress.connect(self.status.show_load_progress)
        worker.finished.connect(self._model_loaded)
        worker.failed.connect(self._model_load_failed)
        self.load_worker = worker
        self.composer.set_model_state("loading")
        name = self._model_display_name()
        self.status.show_loading(name)
        if self.welcome is not None:
            self.welcome.show_model_state("loading", name)
        self.taskman.start(worker)

    def _model_display_name(self) -> str:
        """The GGUF name of the model about to load (its header only: milliseconds)."""
        from pathlib import Path

        from app.catalog.gguf_info import read_model_info
        from app.errors import AppError
        from app.services.model_names import display_name
        from app.services.models import resolve_model

        configured = str(self.ctx.settings.get("model") or "")
        try:
            path = resolve_model(self.ctx)
            return display_name(read_model_info(path), path)
        except (AppError, OSError):
            return Path(configured).name if configured else self.tr("the default model")

    def _model_loaded(self, model: LoadedModel | None) -> None:
        self.load_worker = None
        if model is None:  # cancelled
            self.status.show_model(None)
            return
        self.model = model
        self.status.show_model(model)
        self.composer.set_model_state("ready")
        if self.welcome is not None:
            from app.services.model_names import display_name, signer_name

            self.welcome.show_model_state("ready", display_name(model.info, model.path),
                                          signer=signer_name(self.ctx, model.signer),
                                          signed=model.signed)
        self.controller.update_context_usage()
        if self.controller.current_id is None:
            self.status.show_context(0, int(model.engine.n_ctx))
        self.model_ready.emit(model)

    def _model_load_failed(self, message: str) -> None:
        worker = self.load_worker
        self.load_worker = None
        self.status.show_model(None, failed=True, reason=message)
        self.composer.set_model_state("failed")
        if self.welcome is not None:
            self.welcome.show_model_state("failed", self._model_display_name())
        if worker is not None and worker.error is not None:
            self.errors.show_exception(worker.error, worker.details)
        self.model_failed.emit(message)

    def reload_model(self) -> None:
        """Load the configured model again (after choosing another, or changing its options)."""

        def reload() -> None:
            old, self.model = self.model, None
            if old is not None and self.owns_model:
                old.close()
            self.load_model()

        self.controller.stop()
        self.controller.after_reply(reload)

    # -- first run: the welcome, and models dropped onto the window ----------------------------

    def dismiss_welcome(self) -> None:
        state = self.state_store()
        state.setValue(WELCOME_DISMISSED, True)
        state.sync()
        self.chat_view.set_welcome(None)
        self.welcome = None

    def _build_drop_import(self) -> None:
        from app.gui.model_drop import ModelDropImporter

        self.drop_import = ModelDropImporter(self.ctx, self.taskman, self.status, self)
        self.drop_import.use_requested.connect(self._model_chosen)
        self.drop_import.imported.connect(
            lambda _entry: self.model_manager is not None and self.model_manager.refresh())

    # -- dialogs ------------------------------------------------------------------------------

    def open_documents(self) -> None:
        """The Documents window: collections and their files (see documents_dialog)."""
        from app.gui.documents_dialog import DocumentsDialog
        from app.services.documents import open_documents

        if self.documents_dialog is None:
            docs = open_documents(self.ctx)
            self.documents_dialog = DocumentsDialog(docs, self.taskman, self,
                                                    on_error=self.errors.show_exception,
                                                    model=lambda: self.model)
            self.documents_dialog.finished.connect(self._documents_closed)
        self.documents_dialog.show()
        self.documents_dialog.raise_()

    def open_audit_log(self) -> None:
        """The read-only audit log viewer (see audit_view)."""
        from app.gui.audit_view import AuditDialog

        dialog = AuditDialog(self.ctx, self.taskman, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def open_privacy(self) -> None:
        """Processing records, retention, export and erasure (see privacy_dialog)."""
        from app.gui.privacy_dialog import PrivacyDialog

        dialog = PrivacyDialog(self.ctx, self.taskman, self,
                               busy=lambda: self.controller.generating)
        dialog.erased.connect(self._data_erased)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def open_policy(self) -> None:
        """What the administrator's policy fixes (see policy_view); read-only."""
        from app.gui.policy_view import PolicyDialog

        dialog = PolicyDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def _build_retention(self) -> None:
        from app.gui.privacy_dialog import RetentionTimer

        self.retention = RetentionTimer(self.ctx, self.taskman, self)  # daily, while open
        self.retention.purged.connect(lambda _n: self.controller.refresh_list())

    def _build_sync(self) -> None:
        """Sync runs in the background over the store the chat already holds (see sync_status)."""
        from app.gui.sync_status import SyncController

        c = self.controller
        self.sync = SyncController(
            self.ctx, self.taskman,
            lambda: c.conversations.store if c.conversations is not None else None, self)
        self.sync.status_changed.connect(self._show_sync)
        self.sync.merged.connect(self._sync_merged)
        self.status.sync_indicator.settings_requested.connect(self.open_sync_settings)
        self.status.sync_indicator.conflicts_requested.connect(self.open_conflicts)
        c.ready.connect(self.sync.start)
        c.listed.connect(self.sync.local_change)  # after replies, renames, deletes, restores
        self.conflicts_dialog: Any = None

    def _show_sync(self) -> None:
        self.status.sync_indicator.show_status(self.sync.status, syncing=self.sync.syncing,
                                               error=self.sync.error)

    def _sync_merged(self) -> None:
        self.controller.refresh_list()
        if not self.controller.generating:
            self.controller.reload()

    def open_sync_settings(self) -> None:
        from app.gui.sync_page import SyncPage

        self.open_settings()
        page = self.settings_dialog.findChild(SyncPage)
        self.settings_dialog.tabs.setCurrentWidget(page)

    def open_conflicts(self) -> None:
        """Sync conflicts side by side, to restore or keep (see conflicts_view); over
        Settings when it is open, so the dialog is not behind it."""
        from app.gui.conflicts_view import ConflictsDialog

        convs = self.controller.conversations
        if convs is None:
            return
        settings = self.settings_dialog
        parent = settings if settings is not None and settings.isVisible() else self
        dialog = ConflictsDialog(convs, self.taskman, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.resolved.connect(self._conflict_resolved)
        dialog.finished.connect(self._conflicts_closed)
        self.conflicts_dialog = dialog
        dialog.open()

    def _conflict_resolved(self, conversation_id: str) -> None:
        self.controller.refresh_list()  # and so sync sends a restored value soon
        if conversation_id == self.controller.current_id and not self.controller.generating:
            self.controller.reload()

    def _conflicts_closed(self, _result: int) -> None:
        self.conflicts_dialog = None

    def _data_erased(self, _report: object) -> None:
        self.controller.new_chat()
        self.controller.refresh_list()

    def _documents_closed(self, _result: int) -> None:
        dialog, self.documents_dialog = self.documents_dialog, None
        if dialog is None:
            return
        if dialog.worker is None:
            dialog.docs.close()
        else:  # closing stopped the reading; the store closes once the current file is done
            dialog.ingest_done.connect(lambda _report: dialog.docs.close())
        dialog.deleteLater()

    def open_settings(self) -> None:
        from app.gui.server_page import PAGE_TITLE, ServerPage
        from app.gui.settings_dialog import SettingsDialog
        from app.gui.sync_page import PAGE_TITLE as SYNC_TITLE
        from app.gui.sync_page import SyncPage

        if self.settings_dialog is None:
            self.settings_dialog = SettingsDialog(self.ctx, self)
            page = ServerPage(self.ctx, self.api_server, self.taskman)
            self.settings_dialog.add_page(PAGE_TITLE, page, page.editors)
            sync_page = SyncPage(self.ctx, self.sync, self.taskman)
            sync_page.conflicts_requested.connect(self.open_conflicts)
            self.settings_dialog.add_page(SYNC_TITLE, sync_page)
            sync_page.follow(self.settings_dialog)
            self.settings_dialog.finished.connect(self._settings_closed)
        self.settings_dialog.open()

    def _settings_closed(self, _result: int) -> None:
        self.settings_dialog.deleteLater()
        self.settings_dialog = None

    def open_model_manager(self) -> None:
        from app.gui.model_manager import ModelManagerDialog

        if self.model_manager is None:
            active = self.model.path if self.model is not None else self._configured_model()
            dialog = ModelManagerDialog(self.ctx, self.taskman, active, self, loaded=self.model)
            dialog.model_chosen.connect(self._model_chosen)
            dialog.options_changed.connect(self._model_options_changed)
            dialog.finished.connect(self._model_manager_closed)
            self.model_manager = dialog
            dialog.refresh()
        self.model_manager.open()

    def _configured_model(self) -> Any:
        from app.errors import AppError
        from app.services.models import resolve_model

        try:
            return resolve_model(self.ctx)
        except AppError:
            return None

    def _model_manager_closed(self, _result: int) -> None:
        self.model_manager.deleteLater()
        self.model_manager = None

    def _model_chosen(self, path: str) -> None:
        self.ctx.settings.set("model", path)
        if self.owns_model:
            self.reload_model()

    def _model_options_changed(self, name: str) -> None:
        if self.model is not None and self.model.name == name and self.owns_model:
            self.reload_model()

    def _store_progress(self, done: int, total: int) -> None:
        if done >= total:
            self.status.clearMessage()
            return
        self.status.showMessage(self.tr("Encrypting your conversations… %1%").replace(
            "%1", str(int(done * 100 / max(1, total)))))

    def about(self) -> None:
        from app import __version__
        from app.services.storage import store_status

        store = store_status(self.ctx)
        if store.encrypted:
            where = self.ctx.secrets.where()
            kept = (self.tr("in the system keyring (%1)") if where.kind == "keyring"
                    else self.tr("in %1, locked with your passphrase")).replace("%1", where.name)
            storage = self.tr("Your conversations are encrypted (SQLCipher, AES-256); the key "
                              "is kept %1.").replace("%1", kept)
        else:
            storage = self.tr("Your conversations are not encrypted.")
        from app.services.doctor import shipped_sbom

        sbom = shipped_sbom()
        contents = (self.tr("What this install contains (SBOM, CycloneDX): %1").replace(
            "%1", str(sbom)) if sbom else self.tr(
            "This install carries no software bill of materials (SBOM); installers do."))
        QMessageBox.about(self, self.tr("About Open-AutoGLM"), self.tr(
            "Open-AutoGLM %1\n\nA desktop assistant that runs a language model entirely on this "
            "computer. Only signed models are loaded; nothing leaves the machine.").replace(
                "%1", __version__) + "\n\n" + storage + "\n" + store.path + "\n\n" + contents)

    # -- remembered state ---------------------------------------------------------------------

    def state_store(self) -> QSettings:
        return QSettings(str(self.ctx.paths.config / STATE_FILE), QSettings.Format.IniFormat)

    def restore_state(self) -> None:
        state = self.state_store()
        geometry = state.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = state.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def save_state(self) -> None:
        state = self.state_store()
        state.setValue("window/geometry", self.saveGeometry())
        state.setValue("window/splitter", self.splitter.saveState())
        state.sync()

    # -- closing ------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.controller.generating and not self._quitting:
            event.ignore()
            self._ask_to_stop_and_quit()
            return
        if self.controller.generating:
            event.ignore()  # stopping; the window closes when the reply has ended
            return
        self.save_state()
        if self.load_worker is not None:
            self.load_worker.cancel.set()
        self.drop_import.cancel()
        self.sync.stop()  # no new run starts; the task manager waits for one under way
        self.api_server.shutdown()  # before the pool, which may be starting or stopping it
        self.taskman.shutdown()
        self.controller.close()
        if self.model is not None and self.owns_model:
            self.model.close()
            self.model = None
        self.errors.uninstall_hooks()
        event.accept()

    def _ask_to_stop_and_quit(self) -> None:
        if self._close_box is not None:
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("A reply is being written"),
                          self.tr("Stop the reply and quit? What was written so far is kept."),
                          parent=self)
        self.quit_button = box.addButton(self.tr("Stop and quit"), QMessageBox.ButtonRole.AcceptRole)
        self.keep_button = box.addButton(self.tr("Keep writing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.keep_button)

        def answered(_result: int) -> None:
            self._close_box = None
            if box.clickedButton() is self.quit_button:
                self._quitting = True
                self.controller.after_reply(lambda: QTimer.singleShot(0, self.close))
                self.controller.stop()

        box.finished.connect(answered)
        self._close_box = box
        box.open()
        self.close_asked.emit()
