"""Web pages after the meetup: the feedback form and the connections page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.events import selectors, services
from apps.events.forms import FeedbackForm
from apps.events.models import Event, Rsvp
from apps.events.selectors.feedback import connection_list_for, feedback_get, feedback_named
from apps.events.views import _event_or_404
from apps.venues.selectors import venue_local_time


@login_required
@require_http_methods(["GET", "POST"])
def meetup_feedback(request: HttpRequest, event_id: int) -> HttpResponse:
    """The form behind the feedback prompt: did you go, the place, whom to meet again, who did
    not come. Once given it shows what was said (it cannot be changed)."""
    user: User = request.user  # type: ignore[assignment]
    event = _event_or_404(request, event_id)
    rsvp = selectors.rsvp_get(event=event, user=user)
    was_going = rsvp is not None and rsvp.status == Rsvp.Status.GOING
    people = [
        (person["id"], person["display_name"])
        for person in selectors.event_attendees(event=event, viewer=user)
        if person["id"] != user.pk
    ]
    given = feedback_get(event=event, user=user)
    context = {
        "event": event,
        "local_start": venue_local_time(event.venue, event.starts_at),
        "was_going": was_going,
        "open": was_going
        and event.status != Event.Status.CANCELLED
        and event.starts_at <= timezone.now(),
        "given": given,
        "named": _names(feedback_named(feedback=given), dict(people)) if given else None,
        "people": people,
    }
    if not context["open"] or given is not None:
        return render(request, "events/meetup_feedback.html", context, status=200)
    form = FeedbackForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.feedback_submit(
                event=event,
                user=user,
                attended=data["attended"],
                venue_rating=data["venue_rating"],
                meet_again=data["meet_again"],
                no_show=data["no_show"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect("events:detail", event_id=event.pk)
        else:
            messages.success(request, "Thank you for your feedback.")
            if result.connections_made:
                names = ", ".join(dict(people).get(i, "someone") for i in result.connections_made)
                messages.success(
                    request, f"You and {names} both want to meet again: see your connections."
                )
            return redirect("events:detail", event_id=event.pk)
    context["form"] = form
    return render(request, "events/meetup_feedback.html", context)


def _names(named: dict[str, list[int]], people: dict[int, str]) -> dict[str, list[str]]:
    return {
        key: [people.get(user_id, "someone who left MatchUp") for user_id in ids]
        for key, ids in named.items()
    }


@login_required
@require_GET
def connections(request: HttpRequest) -> HttpResponse:
    """People with whom both said "meet again", with the contact they share: the only page that
    shows anyone's contact details."""
    people = connection_list_for(user=request.user)  # type: ignore[arg-type]
    return render(request, "events/connection_list.html", {"connections": people})
