"""The administrator's policy checked before the main window opens: a policy that cannot be
used stops the app with a message box saying why (fail closed), never a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.gui.qt import QCoreApplication, QMessageBox, QWidget

if TYPE_CHECKING:
    from app.errors import AppError
    from app.services.context import AppContext


def policy_refusal(err: AppError, parent: QWidget | None = None) -> QMessageBox:
    """The message box that says the app will not start, and the policy's own reason."""
    box = QMessageBox(parent)
    box.setObjectName("policyRejected")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(QCoreApplication.translate("PolicyGate", "Open-AutoGLM cannot start"))
    box.setText(QCoreApplication.translate(
        "PolicyGate", "The administrator's policy on this computer cannot be used, so "
        "Open-AutoGLM will not start. Ask your administrator to install a correctly signed "
        "policy."))
    box.setInformativeText(str(err))
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box


def check_policy_at_start(ctx: AppContext) -> int | None:
    """None when the app may start; else, after the user has read why not, the exit code."""
    from app.security.policy import PolicyRejected
    from app.services.policy import enforce_policy

    try:
        enforce_policy(ctx)
    except PolicyRejected as err:
        policy_refusal(err).exec()
        return err.exit_code
    return None
