"""The events app's refusals, each with a stable `code` (clients switch on it)."""

from apps.core.errors import Conflict, NotFound, PermissionDenied


class EventNotFound(NotFound):
    code = "event_not_found"
    default_detail = "No such event."


class NotOrganizer(PermissionDenied):
    code = "not_organizer"
    default_detail = "Only the organizer can change or cancel this event."


class EmailUnverified(PermissionDenied):
    code = "email_unverified"
    default_detail = "Please confirm your email address first: we sent you a link."


class Blocked(PermissionDenied):
    code = "blocked"
    default_detail = "You cannot join this event."


class EventCancelled(Conflict):
    code = "event_cancelled"
    default_detail = "This event was cancelled."


class EventPast(Conflict):
    code = "event_past"
    default_detail = "This event has already started."


class EventFull(Conflict):
    """Only for private meetups, which have no waitlist (public events waitlist instead)."""

    code = "event_full"
    default_detail = "This meetup is full."


class OrganizerCannotLeave(Conflict):
    code = "organizer_cannot_leave"
    default_detail = "You organise this event: cancel the event instead of your place."


class CapacityBelowGoing(Conflict):
    code = "capacity_below_going"
    default_detail = "More people are already going than the new capacity allows."


class NotAttendee(PermissionDenied):
    code = "not_attendee"
    default_detail = "Only people who were going to this event can give feedback on it."


class FeedbackTooEarly(Conflict):
    code = "feedback_too_early"
    default_detail = "Feedback opens when the event starts."


class FeedbackAlreadyGiven(Conflict):
    code = "feedback_already_given"
    default_detail = "You already gave feedback on this event; it cannot be changed."
