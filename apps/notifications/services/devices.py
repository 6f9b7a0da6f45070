"""Push device tokens: upsert by token; a token belongs to the person who registered it last."""

from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import NotFound
from apps.notifications.models import Device


def device_register(*, user: User, platform: Device.Platform | str, token: str) -> Device:
    """Register (or refresh) a push token for `user`. One statement (INSERT … ON CONFLICT
    (token) DO UPDATE), so two phones racing, or a repeated request, leave one row; a token
    that moved to another account (a shared tablet) now belongs to `user` only."""
    now = timezone.now()
    (device,) = Device.objects.bulk_create(
        [
            Device(
                user=user,
                platform=Device.Platform(platform),
                token=token,
                created_at=now,
                updated_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["token"],
        update_fields=["user", "platform", "updated_at"],
    )
    return device


def device_delete(*, user: User, token: str) -> None:
    """Forget the caller's own token; someone else's (or an unknown one) is NotFound."""
    deleted, _ = Device.objects.filter(user=user, token=token).delete()
    if not deleted:
        raise NotFound("No such device.")
