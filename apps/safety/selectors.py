"""Reads on blocks, reports and account restrictions. Other apps call these (never the models)
to keep blocked people apart and restricted accounts out:

* `blocked_user_ids(user)`: everyone `user` blocked or was blocked by, one query;
* `is_blocked_between(a_id, b_id)`: one pair, either direction;
* `blocked_pairs_among(user_ids)`: every blocked pair inside a group (for matching);
* `user_is_restricted(user)` / `user_restriction(user_id=)`: suspended or banned right now
  (one cache read; the per-request check uses the state joined to the signed-in user);
* `restricted_user_ids()`: a subquery of restricted accounts, to `exclude(user_id__in=…)`.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.safety.models import AccountStatus, Block

logger = logging.getLogger(__name__)

RESTRICTION_CACHE_SECONDS = 300


def blocked_user_ids(user: User) -> set[int]:
    """Ids of the people `user` blocked and of those who blocked `user` (blocks are mutual)."""
    pairs = Block.objects.filter(Q(blocker_id=user.pk) | Q(blocked_id=user.pk)).values_list(
        "blocker_id", "blocked_id"
    )
    return {other for pair in pairs for other in pair if other != user.pk}


def is_blocked_between(a_id: int, b_id: int) -> bool:
    """Whether either of the two people blocked the other."""
    return Block.objects.filter(
        Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
    ).exists()


def blocked_pairs_among(user_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Every blocked pair within `user_ids`, each as `(smaller_id, larger_id)`: the groups the
    matching engine must never form."""
    ids = list(set(user_ids))
    if len(ids) < 2:
        return set()
    pairs = Block.objects.filter(blocker_id__in=ids, blocked_id__in=ids).values_list(
        "blocker_id", "blocked_id"
    )
    return {(min(a, b), max(a, b)) for a, b in pairs}


def block_list_for(*, user: User) -> QuerySet[Block]:
    """The blocks `user` made, newest first, with the blocked person's public name at hand."""
    return (
        Block.objects.filter(blocker_id=user.pk)
        .select_related("blocked__profile")
        .order_by("-created_at", "-pk")
    )


def public_person(user: User) -> dict[str, Any]:
    """The public shape of another person: `{id, display_name}` and nothing else."""
    profile = getattr(user, "profile", None)
    return {"id": user.pk, "display_name": profile.display_name if profile else "MatchUp member"}


# --- Restrictions (suspensions and bans) -------------------------------------------------------
@dataclass(frozen=True)
class Restriction:
    kind: Literal["suspended", "banned"]
    until: datetime | None = None

    @property
    def code(self) -> str:
        return f"account_{self.kind}"

    @property
    def detail(self) -> str:
        if self.kind == "banned":
            return (
                "This account has been banned by our moderators for breaking the community "
                "rules. If you think this is a mistake, write to us."
            )
        until = f" until {self.until.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if self.until else ""
        return f"This account is suspended by our moderators{until}."


def _restriction_cache_key(user_id: int) -> str:
    return f"safety:restriction:{user_id}"


def user_restriction(*, user_id: int) -> Restriction | None:
    """Why the account may not be used right now, or None. One cache read per call (a database
    query on a miss); services clear the entry whenever they change the account's state."""
    key = _restriction_cache_key(user_id)
    state: tuple[bool, float | None] | None
    try:
        state = cache.get(key)
    except Exception:  # the cache is an optimisation: without Redis, ask the database
        logger.warning("Restriction cache unavailable; reading the database", exc_info=True)
        state = None
    if state is None:
        row = (
            AccountStatus.objects.filter(user_id=user_id)
            .values_list("banned_at", "suspended_until")
            .first()
        )
        banned_at, until = row if row else (None, None)
        state = (banned_at is not None, until.timestamp() if until else None)
        try:
            cache.set(key, state, RESTRICTION_CACHE_SECONDS)
        except Exception:
            logger.warning("Restriction cache unavailable; not caching", exc_info=True)
    banned, until_ts = state
    return _restriction(
        banned=banned, until=datetime.fromtimestamp(until_ts, tz=UTC) if until_ts else None
    )


def _restriction(*, banned: bool, until: datetime | None) -> Restriction | None:
    if banned:
        return Restriction(kind="banned")
    if until is not None and until > timezone.now():
        return Restriction(kind="suspended", until=until)
    return None


def restriction_of(user: User) -> Restriction | None:
    """`user_restriction` for the user this request authenticated: our authentication backends
    and JWT authentication load it with the account state joined in, so this costs nothing.
    (For any other user object, whose joined state may be older, use `user_restriction`.)"""
    if User.safety_status.is_cached(user):  # type: ignore[attr-defined]
        status: AccountStatus | None = getattr(user, "safety_status", None)
        if status is None:
            return None
        return _restriction(banned=status.banned_at is not None, until=status.suspended_until)
    return user_restriction(user_id=user.pk)


def user_with_account_state(*, user_id: Any) -> User | None:
    """The user, with the account state joined in for `restriction_of` (one query)."""
    return User._default_manager.select_related("safety_status").filter(pk=user_id).first()


def restriction_cache_clear(*, user_id: int) -> None:
    try:
        cache.delete(_restriction_cache_key(user_id))
    except Exception:
        logger.warning("Restriction cache unavailable; entry not cleared", exc_info=True)


def user_is_restricted(user: User) -> bool:
    """Suspended or banned right now: no logging in, no tokens, no matching, no events."""
    return user_restriction(user_id=user.pk) is not None


def restricted_user_ids() -> QuerySet[AccountStatus, Any]:
    """Ids of accounts restricted right now, as a subquery: `.exclude(user_id__in=…)`."""
    return AccountStatus.objects.restricted().values("user_id")
