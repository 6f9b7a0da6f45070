"""Writes of the matching app: rounds (running and saving them) and suggestions (answers,
confirmation, expiry, reminders, safety's withdrawals)."""

from apps.matching.services.rounds import (
    cell_solve,
    round_claim,
    round_dispatch,
    round_execute,
    round_fail,
    round_merge,
    round_notify,
    round_notify_dispatch,
    round_save_result,
    rounds_fail_stale,
    rounds_schedule,
    why_text,
)
from apps.matching.services.suggestions import (
    suggestion_accept,
    suggestion_decline,
    suggestions_expire_due,
    suggestions_remind_due,
    suggestions_withdraw_pair,
    suggestions_withdraw_user,
)

__all__ = [
    "cell_solve",
    "round_claim",
    "round_dispatch",
    "round_execute",
    "round_fail",
    "round_merge",
    "round_notify",
    "round_notify_dispatch",
    "round_save_result",
    "rounds_fail_stale",
    "rounds_schedule",
    "suggestion_accept",
    "suggestion_decline",
    "suggestions_expire_due",
    "suggestions_remind_due",
    "suggestions_withdraw_pair",
    "suggestions_withdraw_user",
    "why_text",
]
