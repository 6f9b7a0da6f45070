"""Signals for the apps above safety (events, matching, notifications), which safety must not
import. Each is sent by `apps.safety.services` *inside* the transaction that records the
decision, so what a receiver writes commits or rolls back together with it. Receivers put
follow-up work (emails, pushes, Celery tasks) behind `transaction.on_commit` /
`task.delay_on_commit`, and must be safe to run twice (a moderator may repeat an action).

* `user_suspended(user, until, moderator, report)`: `user` may not use MatchUp until `until`
  (an aware datetime). Events: cancel the upcoming events they organise and tell attendees,
  free their seats; matching: withdraw them from pending proposals.
* `user_banned(user, moderator, report)`: the same, for good (`user.is_active` is already False).
* `user_unsuspended(user, moderator)`: a suspension or ban was lifted; nothing is restored
  automatically (cancelled events stay cancelled).
* `user_warned(user, moderator, report, note)`: notifications may tell the person.
* `user_blocked(blocker, blocked)`: a new block (not sent again when the block existed).
  Matching: withdraw pending proposals that contain both; events need nothing (their
  selectors call `blocked_user_ids`/`is_blocked_between` when they read).

`moderator` is the staff `User` who acted, or None for automated actions; `report` is the
`Report` acted on, or None.
"""

from django.dispatch import Signal

user_suspended = Signal()
user_banned = Signal()
user_unsuspended = Signal()
user_warned = Signal()
user_blocked = Signal()
