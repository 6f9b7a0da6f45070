"""Web pages for blocking and reporting: the forms that `{% block_report_controls %}` renders
post here, and the "People you blocked" page under the profile."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.safety import selectors, services
from apps.safety.forms import BlockForm, ReportForm
from apps.safety.ratelimit import web_rate_limit


def _next_url(request: HttpRequest, candidate: str | None, default: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    response = render(request, "429.html", {"retry_after": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


@login_required
@require_POST
def block(request: HttpRequest) -> HttpResponse:
    form = BlockForm(request.POST)
    blocked_page = reverse("safety:blocked")
    if not form.is_valid():
        messages.error(request, "We could not block that person.")
        return redirect(blocked_page)
    user: User = request.user  # type: ignore[assignment]
    try:
        made = services.block_create(blocker=user, blocked_id=form.cleaned_data["user_id"])
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        name = selectors.public_person(made.blocked)["display_name"]
        messages.success(
            request,
            f"You blocked {name}. You will not be matched, see each other at events or join "
            "each other's events. They are not told.",
        )
    return redirect(_next_url(request, form.cleaned_data.get("next"), blocked_page))


@login_required
@require_POST
def unblock(request: HttpRequest) -> HttpResponse:
    form = BlockForm(request.POST)
    blocked_page = reverse("safety:blocked")
    if form.is_valid():
        user: User = request.user  # type: ignore[assignment]
        try:
            services.block_delete(blocker=user, blocked_id=form.cleaned_data["user_id"])
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, "Unblocked. You may be matched with each other again.")
    return redirect(
        _next_url(request, form.cleaned_data.get("next") if form.is_valid() else None, blocked_page)
    )


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """GET: the report form for `?user_id=` or `?event_id=`; POST: file the report. The compact
    form inside `_block_report.html` posts here too; errors come back on this page."""
    if request.method == "POST":
        wait = web_rate_limit(request, "reports")
        if wait is not None:
            return _too_many(request, wait)
        form = ReportForm(request.POST)
    else:
        form = ReportForm(initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user: User = request.user  # type: ignore[assignment]
        try:
            services.report_create(
                reporter=user,
                reason=data["reason"],
                details=data["details"],
                user_id=data["user_id"],
                event_id=data["event_id"],
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(
                request,
                "Thank you. Our moderators will look at your report. If you do not want to "
                "meet this person, you can also block them.",
            )
            return redirect(_next_url(request, data.get("next"), reverse("web:home")))
    status = 400 if request.method == "POST" else 200
    return render(request, "safety/report_form.html", {"form": form}, status=status)


@login_required
@require_GET
def blocked_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    people = [
        {**selectors.public_person(block.blocked), "blocked_at": block.created_at}
        for block in selectors.block_list_for(user=user)
    ]
    return render(request, "safety/blocked_list.html", {"people": people})
