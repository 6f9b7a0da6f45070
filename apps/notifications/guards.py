"""Send-time guards: a message may no longer be wanted by the time it goes out.

A reminder is written minutes before it is due; the person may cancel their seat, or the
event may move or be cancelled, in between, and a cancelling service can race the scheduler
that wrote the reminder. The app that knows the subject registers a guard for its kinds
(notifications must not import it, docs/adr/0020); the sender asks the guard right before
sending and cancels what it calls stale instead of sending it.

A guard takes the messages of its kind in one batch and returns the ids of the stale ones, in
one or two queries whatever the batch size. With `lock=True` it runs inside the transaction
that writes the in-app rows and must lock what the cancelling services lock (so a cancel either
commits before the check, and the message is stale, or waits until the message is written).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from apps.notifications.models import Kind, Message

SendGuard = Callable[[Sequence[Message], bool], set[int]]

_guards: dict[str, SendGuard] = {}


def register_send_guard(kind: Kind | str, guard: SendGuard) -> None:
    """Called from an app's `ready()`: `guard(messages, lock)` → ids of messages not to send."""
    _guards[Kind(kind).value] = guard


def guarded_kinds() -> set[str]:
    return set(_guards)


def stale_message_ids(messages: Iterable[Message], *, lock: bool = False) -> set[int]:
    """Ids among `messages` that their kind's guard says must not be sent any more."""
    by_kind: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        if message.kind in _guards:
            by_kind[message.kind].append(message)
    stale: set[int] = set()
    for kind, of_kind in sorted(by_kind.items()):
        stale |= _guards[kind](of_kind, lock)
    return stale
