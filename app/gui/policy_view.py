"""The administrator's policy as the user sees it (Help → Administrator policy…): which file,
signed by whom, and what it fixes. Read-only: only an administrator's signature changes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QEvent,
    QFormLayout,
    QLabel,
    Qt,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from app.services.context import AppContext


class PolicyDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyDialog")
        self.ctx = ctx
        self.summary = QLabel(self)
        self.summary.setObjectName("policySummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(560, 420)
        self.retranslate()

    def rows(self) -> dict[str, str]:
        """What the dialog shows, label → value (as on screen)."""
        out = {}
        for row in range(self.form.rowCount()):
            label = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
            value = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole).widget()
            if isinstance(label, QLabel) and isinstance(value, QLabel):
                out[label.text()] = value.text()
        return out

    def retranslate(self) -> None:
        from app.errors import ConfigError
        from app.services.policy import policy_report

        self.setWindowTitle(self.tr("Administrator policy"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        while self.form.rowCount():
            self.form.removeRow(0)
        try:
            report = policy_report()
        except ConfigError as err:  # it went bad while the app runs: say why
            self.summary.setText(self.tr("The administrator's policy cannot be used: %1")
                                 .replace("%1", str(err)))
            return
        if not report.exists:
            self.summary.setText(self.tr(
                "No administrator's policy is installed on this computer: the built-in "
                "defaults apply.\nExpected at %1").replace("%1", str(report.path)))
            return
        d = report.as_dict()
        self.summary.setText(self.tr("%1\nsigned by the administrator key %2 on %3. Only a new "
                                     "policy signed by that key can change what it says.")
                             .replace("%1", str(report.path)).replace("%2", str(d["signer"]))
                             .replace("%3", str(d["signed_at"])))
        for label, value in self._values(d):
            text = QLabel(value, self)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.form.addRow(QLabel(label, self), text)

    def _values(self, d: dict[str, Any]) -> list[tuple[str, str]]:
        yes, no = self.tr("Yes"), self.tr("No")
        locked = ", ".join(f"{k} = {v!r}" for k, v in d["locked_settings"].items())
        return [
            (self.tr("Unsigned models allowed"), yes if d["allow_unsigned_models"] else no),
            (self.tr("Encryption at rest required"), yes if d["require_encryption"] else no),
            (self.tr("Pinned model-signing keys"),
             str(len(d["trusted_keys"])) if d["trusted_keys"] else self.tr("None: the trust store")),
            (self.tr("Allowed models"),
             str(len(d["allowed_models"])) if d["allowed_models"] else self.tr("Any verified model")),
            (self.tr("Organisation patterns"),
             ", ".join(d["safety"]["organisation"]) or self.tr("None")),
            (self.tr("Sync server"), d["sync_server"] or self.tr("Not pinned")),
            (self.tr("Retention (days)"),
             str(d["retention_days"]) if d["retention_days"] else self.tr("Unlimited")),
            (self.tr("Content in audit records"), yes if d["audit_content"] else no),
            (self.tr("Serving other computers"),
             self.tr("Allowed") if d["serve_off_loopback"] else self.tr("Forbidden")),
            (self.tr("API roles"), ", ".join(d["roles"])),
            (self.tr("Locked settings"), locked or self.tr("None")),
            (self.tr("Tools the model may call"), self._tools(d["tools"])),
            (self.tr("Function calling on the API"),
             self.tr("Allowed") if d["tools"]["api_function_calling"] else self.tr("Forbidden")),
        ]

    def _tools(self, tools: dict[str, Any]) -> str:
        if not tools["enabled"]:
            return self.tr("None")
        which = (self.tr("Only: %1").replace("%1", ", ".join(tools["allowed"]))
                 if tools["allowed"] is not None else self.tr("Any"))
        if not tools["mcp_servers"]:
            which += " " + self.tr("(no MCP servers)")
        return which

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
