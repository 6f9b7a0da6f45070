"""Safety's domain errors, each with a stable `code` the mobile client can switch on."""

from apps.core.errors import Conflict, DomainError, NotFound, PermissionDenied


class CannotBlockSelf(DomainError):
    code = "cannot_block_self"
    default_detail = "You cannot block yourself."


class PersonNotFound(NotFound):
    default_detail = "There is no such person."


class NotBlocked(NotFound):
    # Code stays "not_found": the 404 error schema of the API allows only that code.
    default_detail = "You have not blocked this person."


class ReportTargetRequired(DomainError):
    code = "report_target_required"
    default_detail = "Report either a person (user_id) or an event (event_id), exactly one."


class CannotReportSelf(DomainError):
    code = "cannot_report_self"
    default_detail = "You cannot report yourself or your own event."


class EventNotFound(NotFound):
    default_detail = "There is no such event."


class NotAModerator(PermissionDenied):
    code = "not_a_moderator"
    default_detail = "Only staff members can moderate."


class CannotModerateSelf(DomainError):
    code = "cannot_moderate_self"
    default_detail = "Moderators cannot act on their own account."


class AlreadyBanned(Conflict):
    code = "already_banned"
    default_detail = "This account is banned; lift the ban before suspending it."


class ReportAlreadyActioned(Conflict):
    code = "report_already_actioned"
    default_detail = "This report was already acted on and cannot be dismissed."


class AccountSuspended(PermissionDenied):
    code = "account_suspended"
    default_detail = "This account is suspended."


class AccountBanned(PermissionDenied):
    code = "account_banned"
    default_detail = "This account has been banned."
