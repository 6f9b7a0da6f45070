"""Matching's refusals, each with a stable `code` (clients switch on it)."""

from apps.core.errors import Conflict, NotFound


class SuggestionNotFound(NotFound):
    code = "suggestion_not_found"
    default_detail = "No such suggestion."


class RespondByPassed(Conflict):
    code = "respond_by_passed"
    default_detail = "The time to answer this suggestion has passed."


class SuggestionClosed(Conflict):
    code = "suggestion_closed"
    default_detail = "This suggestion is no longer open: it expired or can no longer take place."


class AlreadyDeclined(Conflict):
    code = "suggestion_declined"
    default_detail = "You declined this suggestion; it cannot be accepted any more."


class AlreadyGoing(Conflict):
    code = "meetup_confirmed"
    default_detail = (
        "You accepted and the meetup is confirmed: to drop out, leave the meetup on its event "
        "page so the others know."
    )
