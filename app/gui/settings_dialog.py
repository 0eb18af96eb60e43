"""The Settings dialog: one editor per declared setting, built from its declaration
(type, bounds, choices, title), grouped into pages; later features add pages.

Titles and descriptions are declared in ``app.config`` with ``N_()`` and
translated here, where they are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from app.config import N_, SETTINGS, Setting
from app.errors import ConfigError
from app.gui.icons import icon
from app.gui.qt import (
    QCheckBox,
    QComboBox,
    QCoreApplication,
    QDesktopServices,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QUrl,
    QVBoxLayout,
    QWidget,
    translate,
)
from app.services.policy import locked_settings

if TYPE_CHECKING:
    from app.services.context import AppContext

PAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("General"), ("language", "theme")),
    (N_("Chat"), ("system_prompt", "context_overflow")),
    (N_("Sampling"), ("temperature", "top_p", "top_k", "min_p", "repeat_penalty", "max_tokens", "seed")),
    (N_("Models"), ("model_dirs", "threads", "gpu_device", "gpu_split", "rope_scaling", "kv_cache",
                    "allow_unsigned", "embedding_model", "speculative", "draft_model",
                    "draft_tokens")),
)
MULTILINE = {"system_prompt"}


def choice_label(setting: str, value: str) -> str:
    """What a choice is called on screen (language names stay in their own language)."""
    labels = {
        ("context_overflow", "summarize"): QCoreApplication.translate(
            "SettingsDialog", "Summarise the oldest turns"),
        ("context_overflow", "drop_oldest"): QCoreApplication.translate(
            "SettingsDialog", "Drop the oldest turns"),
        ("gpu_split", "auto"): QCoreApplication.translate(
            "SettingsDialog", "Only a model that fits on no single GPU"),
        ("gpu_split", "layer"): QCoreApplication.translate("SettingsDialog", "By layers"),
        ("gpu_split", "row"): QCoreApplication.translate("SettingsDialog", "By rows"),
        ("speculative", "off"): QCoreApplication.translate("SettingsDialog", "Off"),
        ("speculative", "lookup"): QCoreApplication.translate(
            "SettingsDialog", "From the conversation (prompt lookup)"),
        ("speculative", "model"): QCoreApplication.translate("SettingsDialog", "With the draft model"),
        ("theme", "system"): QCoreApplication.translate("SettingsDialog", "Follow the system"),
        ("theme", "light"): QCoreApplication.translate("SettingsDialog", "Light"),
        ("theme", "dark"): QCoreApplication.translate("SettingsDialog", "Dark"),
        ("language", "system"): QCoreApplication.translate("SettingsDialog", "Follow the system"),
        ("language", "en"): "English",
        ("language", "zh_CN"): "简体中文",
    }
    return labels.get((setting, value), value)


class SettingEditor:
    """An editor widget for one declared setting, with read and write of its value."""

    def __init__(self, decl: Setting, value: Any) -> None:
        self.decl = decl
        self.widget: QWidget
        self.get: Callable[[], Any]
        if decl.choices is not None:
            combo = QComboBox()
            for choice in decl.choices:
                combo.addItem(choice_label(decl.name, str(choice)), choice)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            self.widget, self.get = combo, combo.currentData
        elif decl.type is bool:
            box = QCheckBox()
            box.setChecked(bool(value))
            self.widget, self.get = box, box.isChecked
        elif decl.type is int:
            spin = QSpinBox()
            spin.setRange(int(decl.minimum if decl.minimum is not None else -(2**31)),
                          int(decl.maximum if decl.maximum is not None else 2**31 - 1))
            spin.setValue(int(value))
            self.widget, self.get = spin, spin.value
        elif decl.type is float:
            dspin = QDoubleSpinBox()
            dspin.setDecimals(2)
            dspin.setSingleStep(0.05)
            dspin.setRange(decl.minimum if decl.minimum is not None else -1e9,
                           decl.maximum if decl.maximum is not None else 1e9)
            dspin.setValue(float(value))
            self.widget, self.get = dspin, dspin.value
        elif decl.name in MULTILINE:
            text = QPlainTextEdit(str(value))
            text.setTabChangesFocus(True)
            text.setMinimumHeight(90)
            self.widget, self.get = text, text.toPlainText
        else:
            line = QLineEdit(str(value))
            self.widget, self.get = line, line.text
        self.widget.setObjectName(f"setting_{decl.name}")
        self.widget.setAccessibleName(translate("", decl.title))
        if decl.description:
            self.widget.setToolTip(translate("", decl.description))


class SettingsDialog(QDialog):
    """Preferences, persisted through ``ctx.settings`` when the user presses OK or Apply."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.ctx = ctx
        self.editors: dict[str, SettingEditor] = {}
        self.tabs = QTabWidget()
        self._page_titles: list[str] = []
        self._built = False
        self.locked = locked_settings()
        for title, names in PAGES:
            self.add_page(title, self._form(names))
        self.data_dir = QLineEdit(str(ctx.paths.data))
        self.data_dir.setObjectName("dataFolder")
        self.data_dir.setReadOnly(True)
        self.open_data_button = QPushButton(icon("folder"), "")
        self.open_data_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(ctx.paths.data))))
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_dir, 1)
        folder_row.addWidget(self.open_data_button)
        self.data_label = QLabel()
        general = self.tabs.widget(0).layout()
        assert isinstance(general, QFormLayout)
        general.addRow(self.data_label, folder_row)
        self.error_label = QLabel()
        self.error_label.setObjectName("settingsError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d1242f;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(560, 460)
        self.retranslate()
        self._built = True

    def _form(self, names: tuple[str, ...]) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        for name in names:
            decl = SETTINGS.get(name)
            editor = SettingEditor(decl, self.ctx.settings.get(name))
            self.editors[name] = editor
            if name in self.locked:
                self._lock(name)
            label = QLabel()
            label.setBuddy(editor.widget)
            label.setProperty("setting_title", decl.title)
            form.addRow(label, editor.widget)
        return page

    def _lock(self, name: str) -> None:
        """Not editable; it already shows the value the administrator's policy enforces
        (the settings answer with the policy's value for what it locks)."""
        editor = self.editors.get(name)
        if editor is None:
            return
        editor.widget.setEnabled(False)

    def add_page(self, title: str, page: QWidget,
                 editors: Mapping[str, SettingEditor] | None = None) -> None:
        """A page of settings; ``title`` is marked with N_() and translated when shown.

        ``editors`` are the page's own setting editors, saved with the others on OK or Apply.
        """
        self._page_titles.append(title)
        self.editors.update(editors or {})
        locked = set(editors or {}) & set(self.locked)
        for name in locked:
            self._lock(name)
        self.tabs.addTab(page, translate("", title))
        if locked and self._built:  # a page added later: show its locks as the others are
            self.retranslate()

    def editor(self, name: str) -> QWidget:
        return self.editors[name].widget

    def apply(self) -> bool:
        """Save every changed value; a bad one is reported and nothing after it is saved."""
        self.error_label.clear()
        try:
            for name, editor in self.editors.items():
                if name in self.locked:
                    continue
                value = editor.get()
                if value != self.ctx.settings.get(name):
                    self.ctx.settings.set(name, value)
        except ConfigError as exc:
            self.error_label.setText(str(exc))
            return False
        return True

    def accept(self) -> None:
        if self.apply():
            super().accept()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        for i, title in enumerate(self._page_titles):
            self.tabs.setTabText(i, translate("", title))
        for page_index in range(self.tabs.count()):
            form = self.tabs.widget(page_index).layout()
            if not isinstance(form, QFormLayout):
                continue
            for row in range(form.rowCount()):
                item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                label = item.widget() if item is not None else None
                if isinstance(label, QLabel) and label.property("setting_title"):
                    text = translate("", str(label.property("setting_title")))
                    buddy = label.buddy()
                    if buddy is not None and buddy.objectName().removeprefix("setting_") in self.locked:
                        text = self.tr("{0} (locked by policy)").format(text)
                    label.setText(text)
        for name, editor in self.editors.items():
            editor.widget.setAccessibleName(translate("", editor.decl.title))
            if name in self.locked:
                editor.widget.setToolTip(self.tr("Locked by your administrator's policy ({0})")
                                         .format(self.locked[name]))
            if isinstance(editor.widget, QComboBox):
                for i in range(editor.widget.count()):
                    editor.widget.setItemText(i, choice_label(name, str(editor.widget.itemData(i))))
        self.data_label.setText(self.tr("Data folder"))
        self.data_dir.setAccessibleName(self.tr("Data folder"))
        self.open_data_button.setText(self.tr("Open"))
        self.open_data_button.setAccessibleName(self.tr("Open the data folder"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("OK"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.button(QDialogButtonBox.StandardButton.Apply).setText(self.tr("Apply"))

    def changeEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt's name
        from app.gui.qt import QEvent

        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
