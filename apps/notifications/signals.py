"""Receivers for accounts' signals (connected in apps.py)."""

from typing import Any

from apps.accounts.models import User
from apps.notifications.models import Device, Notification


def export_notifications(sender: Any, user: User, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    devices = [
        {"platform": d.platform, "token": d.token, "created_at": d.created_at.isoformat()}
        for d in Device.objects.filter(user=user).order_by("pk")
    ]
    notifications = [
        {
            "kind": n.kind,
            "title": n.title,
            "body": n.body,
            "url": n.url,
            "created_at": n.created_at.isoformat(),
            "read_at": n.read_at.isoformat() if n.read_at else None,
        }
        for n in Notification.objects.filter(user=user).order_by("-created_at")
    ]
    return "notifications", {"devices": devices, "notifications": notifications}
