"""Light and dark looks: the Fusion style with our own palettes, or following the OS."""

from __future__ import annotations

from app.gui.qt import QApplication, QColor, QGuiApplication, QPalette, QStyleFactory, Qt

THEMES = ("system", "light", "dark")

_LIGHT = {
    "window": "#f6f7f9", "base": "#ffffff", "alt": "#eef0f3", "text": "#1f2328",
    "muted": "#656d76", "button": "#eef0f3", "highlight": "#2f6feb", "link": "#0b5cd5",
    "user_bubble": "#e8f0fe", "assistant_bubble": "#ffffff", "border": "#d0d7de",
    "code": "#f2f4f7",
}
_DARK = {
    "window": "#1e2126", "base": "#15171a", "alt": "#262a30", "text": "#e6e8eb",
    "muted": "#9aa3ad", "button": "#2b3037", "highlight": "#4c8dff", "link": "#7fb0ff",
    "user_bubble": "#233452", "assistant_bubble": "#1b1e23", "border": "#3a4049",
    "code": "#262a30",
}


def resolve_theme(setting: str) -> str:
    """``light`` or ``dark`` for the ``theme`` setting; "system" asks the platform."""
    if setting in ("light", "dark"):
        return setting
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def colors(theme: str) -> dict[str, str]:
    return _DARK if theme == "dark" else _LIGHT


def _palette(c: dict[str, str]) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    for r, key in (
        (role.Window, "window"), (role.WindowText, "text"), (role.Base, "base"),
        (role.AlternateBase, "alt"), (role.Text, "text"), (role.Button, "button"),
        (role.ButtonText, "text"), (role.ToolTipBase, "base"), (role.ToolTipText, "text"),
        (role.Highlight, "highlight"), (role.Link, "link"), (role.PlaceholderText, "muted"),
    ):
        p.setColor(r, QColor(c[key]))
    p.setColor(role.HighlightedText, QColor("#ffffff"))
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor(c["muted"]))
    return p


def stylesheet(c: dict[str, str]) -> str:
    return f"""
    QFrame#message[role="user"] {{ background: {c['user_bubble']}; border: 1px solid {c['border']};
        border-radius: 10px; }}
    QFrame#message[role="assistant"] {{ background: {c['assistant_bubble']};
        border: 1px solid {c['border']}; border-radius: 10px; }}
    QFrame#message QTextBrowser {{ background: transparent; border: none; }}
    QLabel#messageRole {{ font-weight: bold; }}
    QLabel#messageMeta, QLabel#emptyHint {{ color: {c['muted']}; }}
    QFrame#undoBar {{ background: {c['alt']}; border: 1px solid {c['border']}; border-radius: 6px; }}
    QFrame#welcome {{ background: {c['user_bubble']}; border: 1px solid {c['border']};
        border-radius: 10px; }}
    QLabel#welcomeTitle {{ font-size: 15pt; font-weight: bold; }}
    QLabel#welcomeModel {{ font-weight: bold; }}
    QListWidget#conversationList {{ border: none; }}
    QListWidget#conversationList::item {{ padding: 6px 4px; }}
    """


def apply_theme(app: QApplication, setting: str) -> str:
    """Apply the ``theme`` setting to the whole application; returns ``light`` or ``dark``."""
    theme = resolve_theme(setting)
    if app.style().name().lower() != "fusion":
        fusion = QStyleFactory.create("Fusion")
        if fusion is not None:
            app.setStyle(fusion)
    c = colors(theme)
    app.setPalette(_palette(c))
    app.setStyleSheet(stylesheet(c))
    app.setProperty("autoglm_theme", theme)
    return theme


def current_colors() -> dict[str, str]:
    app = QApplication.instance()
    theme = app.property("autoglm_theme") if app is not None else None
    return colors(str(theme or "light"))
