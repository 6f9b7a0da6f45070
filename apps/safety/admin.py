"""The moderation queue: reports (open first) with actions that go through the services, so
every decision is in the audit log; the audit log itself, read-only; restricted accounts."""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Case, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.safety import services
from apps.safety.models import AccountStatus, Block, ModerationAction, Report

OPEN_FIRST = Case(When(status=Report.Status.OPEN, then=Value(0)), default=Value(1))


class ModerationNoteForm(forms.Form):
    note = forms.CharField(
        label="Note for the audit log",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why you decided this. Other moderators read it; the person does not.",
    )


def _moderate(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Report],
    *,
    title: str,
    apply: Any,
) -> HttpResponse | None:
    """Ask for a note on an intermediate page, then apply `apply(report, moderator, note)` to
    every selected report through the services (each logs its own action)."""
    if "apply" not in request.POST:
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "reports": queryset.select_related("reported_user", "reporter"),
            "action": request.POST.get("action"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "form": ModerationNoteForm(),
            "opts": modeladmin.model._meta,
        }
        return TemplateResponse(request, "safety/admin_moderate.html", context)
    form = ModerationNoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    done = 0
    moderator: User = request.user  # type: ignore[assignment]
    for report in queryset.select_related("reported_user"):
        try:
            apply(report, moderator, note)
        except DomainError as exc:
            modeladmin.message_user(request, f"Report {report.pk}: {exc.detail}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"{title}: {done} report(s) done.", messages.SUCCESS)
    return None


def _needs_person(report: Report) -> User:
    if report.reported_user is None:
        raise DomainError("This report names no person (their account may be gone).")
    return report.reported_user


def _suspend(days: int) -> Any:
    def apply(report: Report, moderator: User, note: str) -> None:
        services.user_suspend(
            user=_needs_person(report),
            until=timezone.now() + timedelta(days=days),
            moderator=moderator,
            report=report,
            note=note,
        )

    return apply


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "status",
        "reason",
        "target_kind",
        "reported_user",
        "event_id",
        "reporter",
        "short_details",
        "handled_by",
    )
    list_filter = ("status", "reason", "target_kind", "created_at")
    search_fields = ("reported_user__email", "reporter__email", "details", "event_id")
    ordering = (OPEN_FIRST, "-created_at")
    list_select_related = ("reported_user", "reporter", "handled_by")
    readonly_fields = [f.name for f in Report._meta.fields]
    actions = ["suspend_7_days", "suspend_30_days", "ban", "warn", "dismiss"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports come from people, through the app

    def has_delete_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False  # moderation history stays

    @admin.display(description="details")
    def short_details(self, report: Report) -> str:
        return report.details if len(report.details) <= 80 else report.details[:79] + "…"

    @admin.action(description="Suspend the reported person for 7 days")
    def suspend_7_days(
        self, request: HttpRequest, queryset: QuerySet[Report]
    ) -> HttpResponse | None:
        return _moderate(self, request, queryset, title="Suspend for 7 days", apply=_suspend(7))

    @admin.action(description="Suspend the reported person for 30 days")
    def suspend_30_days(
        self, request: HttpRequest, queryset: QuerySet[Report]
    ) -> HttpResponse | None:
        return _moderate(self, request, queryset, title="Suspend for 30 days", apply=_suspend(30))

    @admin.action(description="Ban the reported person")
    def ban(self, request: HttpRequest, queryset: QuerySet[Report]) -> HttpResponse | None:
        def apply(report: Report, moderator: User, note: str) -> None:
            services.user_ban(
                user=_needs_person(report), moderator=moderator, report=report, note=note
            )

        return _moderate(self, request, queryset, title="Ban", apply=apply)

    @admin.action(description="Warn the reported person")
    def warn(self, request: HttpRequest, queryset: QuerySet[Report]) -> HttpResponse | None:
        def apply(report: Report, moderator: User, note: str) -> None:
            services.user_warn(
                user=_needs_person(report), moderator=moderator, report=report, note=note
            )

        return _moderate(self, request, queryset, title="Warn", apply=apply)

    @admin.action(description="Dismiss (no action needed)")
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Report]) -> HttpResponse | None:
        def apply(report: Report, moderator: User, note: str) -> None:
            services.report_dismiss(report=report, moderator=moderator, note=note)

        return _moderate(self, request, queryset, title="Dismiss", apply=apply)


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The audit log: read-only for everyone, superusers included."""

    list_display = (
        "created_at",
        "action",
        "target_user",
        "target_user_ref",
        "moderator",
        "report",
        "suspended_until",
        "note",
    )
    list_filter = ("action", "created_at")
    search_fields = ("target_user__email", "moderator__email", "note", "target_user_ref")
    list_select_related = ("target_user", "moderator", "report")
    readonly_fields = [f.name for f in ModerationAction._meta.fields]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: ModerationAction | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: ModerationAction | None = None
    ) -> bool:
        return False


class RestrictedNowFilter(admin.SimpleListFilter):
    title = "restricted now"
    parameter_name = "restricted"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[AccountStatus]
    ) -> QuerySet[AccountStatus]:
        restricted = AccountStatus.objects.restricted().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=restricted)
        if self.value() == "no":
            return queryset.exclude(pk__in=restricted)
        return queryset


@admin.register(AccountStatus)
class AccountStatusAdmin(admin.ModelAdmin):
    """Accounts moderators decided about. Changes only through the actions (which log them)."""

    list_display = ("user", "suspended_until", "banned_at", "updated_at")
    list_filter = (RestrictedNowFilter,)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    readonly_fields = ("user", "suspended_until", "banned_at", "created_at", "updated_at")
    actions = ["lift"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccountStatus | None = None) -> bool:
        return False

    @admin.action(description="Lift the suspension or ban")
    def lift(self, request: HttpRequest, queryset: QuerySet[AccountStatus]) -> None:
        moderator: User = request.user  # type: ignore[assignment]
        for status in queryset.select_related("user"):
            try:
                services.user_unsuspend(user=status.user, moderator=moderator)
            except DomainError as exc:
                self.message_user(request, f"{status.user}: {exc.detail}", messages.ERROR)
        self.message_user(request, "Lifted.", messages.SUCCESS)


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    """Read-only: context for a report (blocks belong to the people who made them)."""

    list_display = ("created_at", "blocker", "blocked")
    search_fields = ("blocker__email", "blocked__email")
    list_select_related = ("blocker", "blocked")
    readonly_fields = ("blocker", "blocked", "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Block | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Block | None = None) -> bool:
        return False
