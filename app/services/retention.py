"""How long conversations are kept: the administrator's policy's retention, else the user's
setting. Read by the privacy service (which purges by it) and by the processing records
(which say it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.errors import ConfigError, PolicyViolation

if TYPE_CHECKING:
    from app.services.context import AppContext


@dataclass(frozen=True)
class Retention:
    """How long conversations are kept: ``days`` (0: until deleted), and the policy file
    that fixes it, when one does (then the user's setting is ignored and cannot be changed)."""

    days: int
    locked_by: str | None = None


def retention(ctx: AppContext) -> Retention:
    """The retention in force: the administrator's policy's, else the user's setting."""
    from app.security.policy import load_policy

    policy = load_policy()
    fixed = getattr(policy, "retention_days", None)
    if fixed is not None:
        return Retention(max(0, int(fixed)), str(getattr(policy, "source", "policy")))
    try:
        days = int(ctx.settings.get("retention_days"))
    except ConfigError:  # a settings declaration from before retention existed
        days = 0
    locked = getattr(ctx.settings, "locked", None)  # the policy may lock the setting itself
    if locked is not None and "retention_days" in locked():
        return Retention(max(0, days), str(getattr(policy, "source", "policy")))
    return Retention(max(0, days))


def set_retention(ctx: AppContext, days: int) -> Retention:
    """Keep conversations ``days`` after their last change (0: until deleted), unless the
    administrator's policy fixes the retention."""
    current = retention(ctx)
    if current.locked_by is not None:
        raise PolicyViolation(
            f"The retention is fixed by the administrator's policy ({current.locked_by}) at "
            f"{current.days} days; it cannot be changed here.")
    ctx.settings.set("retention_days", days)  # bounds checked (and the change audited) there
    return retention(ctx)
