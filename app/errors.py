"""The error types a user can cause, each carrying a message they can act on.

Every door renders these its own way: the CLI prints one line and exits with
``exit_code``, the GUI shows a dialog, the API answers the OpenAI error shape
with ``http_status``.
"""

from __future__ import annotations


class AppError(Exception):
    """Base of every error shown to the user; ``str(err)`` is the message."""

    exit_code = 1
    http_status = 400
    code = "app_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Cancelled(Exception):  # noqa: N818 - the name users of the API expect
    """The user stopped the work; presenters ignore this quietly."""


class ConfigError(AppError):
    exit_code = 2
    code = "invalid_setting"


class ModelNotFound(AppError):
    exit_code = 3
    http_status = 404
    code = "model_not_found"


class ModelLoadFailed(AppError):
    exit_code = 4
    http_status = 500
    code = "model_load_failed"


class EngineError(AppError):
    exit_code = 5
    http_status = 500
    code = "engine_error"


class ContextOverflow(AppError):
    exit_code = 6
    code = "context_length_exceeded"


class ModelRefused(AppError):
    """A model failed the signature gate; subclasses name the reason."""

    exit_code = 10
    http_status = 403
    code = "model_refused"
    reason = "refused"


class NoManifest(ModelRefused):
    exit_code = 11
    reason = "no manifest"


class UntrustedSigner(ModelRefused):
    exit_code = 12
    reason = "signer not trusted"


class SizeMismatch(ModelRefused):
    exit_code = 13
    reason = "size differs"


class HashMismatch(ModelRefused):
    exit_code = 14
    reason = "hash mismatch"


class TruncatedModel(ModelRefused):
    exit_code = 15
    reason = "truncated"


class ManifestForOtherFile(ModelRefused):
    exit_code = 16
    reason = "manifest for another file"


class MalformedManifest(ModelRefused):
    exit_code = 17
    reason = "malformed manifest"


class BadSignature(ModelRefused):
    exit_code = 18
    reason = "bad signature"


class UnsignedNotAllowed(ModelRefused):
    exit_code = 19
    reason = "unsigned models not allowed"


class FileChanged(ModelRefused):
    exit_code = 20
    reason = "file changed after verification"


class StoreError(AppError):
    exit_code = 30
    http_status = 500
    code = "store_error"


class StoreKeyMissing(StoreError):
    """The database is encrypted and its key is not in this installation's key store."""

    exit_code = 31


class StoreKeyWrong(StoreError):
    """A key was found for the database, and it does not open it."""

    exit_code = 32


class StoreFromAnotherMachine(StoreError):
    """The database was encrypted by another installation, whose keyring holds its key."""

    exit_code = 33


class PolicyViolation(AppError):
    exit_code = 40
    http_status = 403
    code = "policy_violation"


class SafetyBlocked(PolicyViolation):
    """The safety filter refused a message: the policy blocks what it contains."""

    exit_code = 42
    http_status = 400
    code = "content_blocked"

    def __init__(self, message: str, category: str = "") -> None:
        super().__init__(message)
        self.category = category


class KeyringUnavailable(AppError):
    exit_code = 41
    http_status = 503
    code = "keyring_unavailable"


class DocumentError(AppError):
    """A collection or document the user named is missing, or cannot be used as asked."""

    exit_code = 60
    http_status = 404
    code = "document_error"


class ServerBusy(AppError):
    """Every engine slot is busy and the wait queue is full (or the server is stopping)."""

    exit_code = 50
    http_status = 503
    code = "server_busy"

    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
