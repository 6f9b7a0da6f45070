from django.contrib import admin

from apps.notifications.models import Delivery, Device, Message, Notification


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = (
        "channel",
        "status",
        "due_at",
        "attempts",
        "lease_until",
        "claimed_by",
        "dispatched_at",
        "sent_at",
        "last_error",
    )

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("idempotency_key", "kind", "user", "due_at", "created_at")
    list_filter = ("kind",)
    search_fields = ("idempotency_key", "user__email")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("pk", "channel", "status", "attempts", "due_at", "sent_at", "last_error")
    list_filter = ("status", "channel")
    search_fields = ("message__idempotency_key", "message__user__email")
    raw_id_fields = ("message",)
    list_select_related = ("message",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "user", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "user__email")
    raw_id_fields = ("user", "message")


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "platform", "created_at", "updated_at")
    list_filter = ("platform",)
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
