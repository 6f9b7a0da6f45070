"""Web pages: the in-app notification list, with mark-as-read (works without JavaScript)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from apps.notifications import selectors, services

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    show_unread = request.GET.get("unread") == "1"
    notifications = selectors.notification_list_for(
        user=request.user, unread=True if show_unread else None
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "notifications": list(page.object_list), "show_unread": show_unread}
    return render(request, "notifications/notification_list.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (`id`) or all of them (`all`) read, then go back."""
    if request.POST.get("all"):
        services.notifications_mark_read(user=request.user)
    else:
        ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
        services.notifications_mark_read(user=request.user, ids=ids)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "notifications:list")
