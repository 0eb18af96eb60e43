"""Languages: switching at run time, and no English left in the Chinese window."""

from __future__ import annotations

import re

import pytest
from gui_helpers import WAIT_MS, send_and_wait

from app.gui.qt import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    Qt,
    QTableWidget,
    QTabWidget,
    QWidget,
)
from app.services.model_names import display_name, signer_name

pytestmark = pytest.mark.slow

# Names and notations that stay as they are in a Chinese UI.
KEPT = {
    "Open-AutoGLM", "GPU", "CPU", "Ctrl", "Shift", "Enter", "Esc", "Del", "F2", "Markdown",
    "JSON", "GGUF", "Top-p", "Top-k", "Min-p", "RoPE", "YaRN", "English", "Q4_1", "llama",
    "MiB", "GiB", "KiB", ".manifest.json", "KV", "CA", "PEM", "WebDAV", "API", "MCP",
}
WORD = re.compile(r"[A-Za-z][A-Za-z_\-]+")


def english_left(texts: list[str], user_content: list[str]) -> list[str]:
    found = []
    for text in texts:
        for content in user_content:
            text = text.replace(content, "")
        for kept in sorted(KEPT, key=len, reverse=True):
            text = text.replace(kept, "")
        text = re.sub(r"\(&\w\)", "", text)  # accelerators: 文件(&F)
        text = re.sub(r"https?://\S+", "", text)  # an example address is in no language
        found += WORD.findall(text)
    return found


def visible_texts(root: QWidget) -> list[str]:
    """Every string a user can read on ``root``: menus, buttons, labels, tips, placeholders."""
    out: list[str] = []

    def menu_texts(menu: QMenu) -> None:
        out.append(menu.title())
        for action in menu.actions():
            out.append(action.text())
            out.append(action.toolTip() if action.toolTip() != action.text().replace("&", "") else "")
            if action.menu() is not None:
                menu_texts(action.menu())

    for menu in root.findChildren(QMenu):
        menu_texts(menu)
    for w in root.findChildren(QWidget):
        if isinstance(w, QAbstractButton):
            out += [w.text(), w.toolTip(), w.accessibleName()]
        elif isinstance(w, QLabel):
            out += [w.text(), w.toolTip()]
        elif isinstance(w, QLineEdit | QPlainTextEdit):
            out += [w.placeholderText(), w.accessibleName()]
        elif isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, QTabWidget):
            out += [w.tabText(i) for i in range(w.count())]
        elif isinstance(w, QTableWidget):
            out += [w.horizontalHeaderItem(i).text() for i in range(w.columnCount())]
    out.append(root.windowTitle())
    return [t for t in out if t]


def switch_language(qtbot, gui_settings, ctx, language: str) -> None:  # type: ignore[no-untyped-def]
    ctx.settings.set("language", language)  # applied on the GUI thread, through a signal
    qtbot.waitUntil(lambda: gui_settings.language == language, timeout=WAIT_MS)


def test_switching_language_in_settings_shows_chinese_at_once(qtbot, window, gui_settings) -> None:  # type: ignore[no-untyped-def]
    assert window.file_menu.title() == "&File" and window.composer.send_button.text() == "Send"
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.settings_dialog
    assert dialog is not None and dialog.isVisible()
    combo = dialog.editor("language")
    combo.setCurrentIndex(combo.findData("zh_CN"))
    dialog.accept()
    # Widgets re-read their strings on the LanguageChange event Qt posts to each of them.
    qtbot.waitUntil(lambda: window.file_menu.title() == "文件(&F)", timeout=WAIT_MS)
    assert window.new_action.text() == "新建对话(&N)"
    assert window.composer.send_button.text() == "发送"
    assert window.conversation_list.search.placeholderText() == "搜索对话（Ctrl+F）"
    assert window.status.model_label.text().startswith("模型：")
    assert window.ctx.settings.get("language") == "zh_CN"

    switch_language(qtbot, gui_settings, window.ctx, "en")
    qtbot.waitUntil(lambda: window.composer.send_button.text() == "Send", timeout=WAIT_MS)
    assert window.file_menu.title() == "&File"


def test_the_chinese_window_has_no_english_left(qtbot, make_window, gui_settings, ctx, gui_model) -> None:  # type: ignore[no-untyped-def]
    switch_language(qtbot, gui_settings, ctx, "zh_CN")
    window = make_window()
    reply = send_and_wait(qtbot, window, "Hello")
    signer = signer_name(ctx, gui_model.signer)  # the welcome names the model and its signer
    user_content = [display_name(gui_model.info, gui_model.path), str(gui_model.path), signer,
                    reply.text, "Hello",
                    *window.conversation_list.titles()]
    texts = visible_texts(window)
    assert "对话(&C)" in texts and "发送" in texts and "助手" in texts
    assert english_left(texts, user_content) == []

    window.settings_action.trigger()
    assert english_left(visible_texts(window.settings_dialog), [str(ctx.paths.data)]) == []
    window.settings_dialog.reject()

    window.models_action.trigger()
    manager = window.model_manager
    with qtbot.waitSignal(manager.verified, timeout=WAIT_MS):
        pass
    names = [display_name(e.info, e.path) for e in manager.entries] + [
        str(e.path) for e in manager.entries]
    assert english_left(visible_texts(manager), names) == []
    assert "已验证" in [manager.row_texts(r)["status"] for r in range(manager.table.rowCount())]
    manager.close()
