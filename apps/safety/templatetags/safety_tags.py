"""`{% load safety_tags %}`:

* `{% block_report_controls person %}` — "Block" and "Report" for a person shown on a page
  (`person` has `id` and `display_name`, e.g. the public shape); `is_blocked=True` shows
  "Unblock" instead of "Block".
* `{% report_event_control event_id %}` — "Report this event".

Both post to the safety views and come back to the current page.
"""

from typing import Any

from django import template

from apps.safety.models import Report

register = template.Library()


def _next(context: template.Context) -> str:
    request = context.get("request")
    return request.get_full_path() if request is not None else ""


@register.inclusion_tag("safety/_block_report.html", takes_context=True)
def block_report_controls(
    context: template.Context, person: Any, is_blocked: bool = False
) -> dict[str, Any]:
    return {
        "person": person,
        "is_blocked": is_blocked,
        "reasons": Report.Reason.choices,
        "next": _next(context),
    }


@register.inclusion_tag("safety/_report_event.html", takes_context=True)
def report_event_control(context: template.Context, event_id: int) -> dict[str, Any]:
    return {"event_id": event_id, "reasons": Report.Reason.choices, "next": _next(context)}
