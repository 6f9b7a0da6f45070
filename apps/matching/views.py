"""The suggestions inbox: each proposal with a map of the venue, why, who (first names and
what you share), when (the venue's local time), until when to answer, and accept/decline
buttons (plain POST forms: it works without JavaScript; the maps are an addition)."""

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import User
from apps.core.api.fields import distance_km
from apps.core.errors import DomainError, NotFound
from apps.events.selectors import interest_names
from apps.matching import selectors, services
from apps.matching.forms import DeclineForm
from apps.matching.models import Suggestion
from apps.venues.selectors import venue_local_time

EARLIER_LIMIT = 10
CURRENT = ("pending", "accepted", "confirmed")


def _card(
    suggestion: Suggestion, people: list[dict[str, Any]], names: dict[str, str], now: datetime
) -> dict[str, Any]:
    venue = suggestion.venue
    status = suggestion.viewer_status  # type: ignore[attr-defined]
    return {
        "suggestion": suggestion,
        "status": status,
        "my_response": suggestion.my_response,  # type: ignore[attr-defined]
        "local_start": venue_local_time(venue, suggestion.starts_at),
        "local_end": venue_local_time(venue, suggestion.ends_at),
        "local_respond_by": venue_local_time(venue, suggestion.respond_by),
        "distance_km": distance_km(suggestion.distance_m),  # type: ignore[attr-defined]
        "people": [
            {
                "display_name": person["display_name"],
                "shared": [names.get(slug, slug) for slug in person["shared_interests"]],
            }
            for person in people
        ],
        "can_answer": status in ("pending", "accepted") and suggestion.respond_by > now,
        "map_id": f"suggestion-map-{suggestion.pk}",
        "map_data_id": f"suggestion-map-{suggestion.pk}-data",
        "map_data": {"lat": venue.location.y, "lng": venue.location.x, "name": venue.name},
        "event_id": suggestion.event_id if status == "confirmed" else None,
    }


@login_required
@require_GET
def suggestion_inbox(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    suggestions = list(selectors.suggestion_list_for(user=user, now=now))
    people = selectors.suggestion_people_for(
        viewer=user, suggestion_ids=[s.pk for s in suggestions]
    )
    names = interest_names()
    current, earlier = [], []
    for suggestion in suggestions:
        card = _card(suggestion, people[suggestion.pk], names, now)
        if card["status"] in CURRENT and suggestion.ends_at > now:
            current.append(card)
        else:
            earlier.append(card)
    earlier.sort(key=lambda c: c["suggestion"].starts_at, reverse=True)
    context = {
        "current": current,
        "earlier": earlier[:EARLIER_LIMIT],
        "decline_form": DeclineForm(),
    }
    return render(request, "matching/suggestion_inbox.html", context)


def _suggestion_or_404(request: HttpRequest, suggestion_id: int) -> Suggestion:
    try:
        return selectors.suggestion_get_for(
            user=request.user,  # type: ignore[arg-type]
            suggestion_id=suggestion_id,
        )
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _back(suggestion_id: int) -> HttpResponse:
    return redirect(f"{reverse('matching:inbox')}#suggestion-{suggestion_id}")


@login_required
@require_POST
def suggestion_accept(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = _suggestion_or_404(request, suggestion_id)
    try:
        suggestion = services.suggestion_accept(
            suggestion=suggestion,
            user=request.user,  # type: ignore[arg-type]
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        if suggestion.status == Suggestion.Status.CONFIRMED:
            messages.success(request, "It’s on: the meetup is confirmed. See you there!")
        else:
            messages.success(request, "Thanks! We’ll tell you as soon as enough people said yes.")
    return _back(suggestion_id)


@login_required
@require_POST
def suggestion_decline(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = _suggestion_or_404(request, suggestion_id)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return _back(suggestion_id)
    try:
        services.suggestion_decline(
            suggestion=suggestion,
            user=request.user,  # type: ignore[arg-type]
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.info(request, "Declined. You’ll get a new suggestion in a later round.")
    return _back(suggestion_id)
