"""The safety filter: personal and secret data found in text (``detectors``), what the
policy says to do with it per direction (``rules``), applied to whole texts
(``scanner``) and to replies as they stream (``stream``)."""

from app.security.safety.detectors import Finding, mask
from app.security.safety.rules import (
    ACTIONS,
    CATEGORIES,
    CHECKSUM_CATEGORIES,
    DIRECTIONS,
    OrgRule,
    SafetyRules,
    parse_safety,
)
from app.security.safety.scanner import Outcome, Scanner, apply
from app.security.safety.stream import StreamFilter

__all__ = [
    "ACTIONS", "CATEGORIES", "CHECKSUM_CATEGORIES", "DIRECTIONS", "Finding", "OrgRule", "Outcome",
    "SafetyRules", "Scanner", "StreamFilter", "apply", "mask", "parse_safety",
]
