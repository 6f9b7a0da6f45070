"""Cross-app pages: the landing page, the signed-in home and the venue page (with its upcoming
events)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.accounts import selectors as account_selectors
from apps.core.errors import NotFound
from apps.events import selectors as event_selectors
from apps.matching import selectors as matching_selectors
from apps.venues import selectors as venue_selectors


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    return render(request, "web/landing.html")


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    profile = account_selectors.profile_get_own(user=request.user)
    if profile.onboarded_at is None:
        return redirect("accounts:onboarding")
    context = {
        "profile": profile,
        "email_verified": account_selectors.user_email_verified(user=request.user),
        "pending_suggestions": matching_selectors.pending_count_for(
            user=request.user  # type: ignore[arg-type]
        ),
    }
    return render(request, "web/home.html", context)


@require_GET
def venue_detail(request: HttpRequest, venue_id: int) -> HttpResponse:
    """A venue, for everyone (public places, public data): where it is, when it is open."""
    try:
        venue = venue_selectors.venue_get(venue_id=venue_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    now = timezone.now()
    context = {
        "venue": venue,
        "hours": venue_selectors.venue_hours_status(venue, now),
        "local_now": venue_selectors.venue_local_time(venue, now),
        "map_data": {"lat": venue.location.y, "lng": venue.location.x, "name": venue.name},
        "upcoming_events": event_selectors.venue_upcoming_events(
            venue_id=venue.pk, viewer=request.user if request.user.is_authenticated else None
        ),
    }
    return render(request, "venues/venue_detail.html", context)
