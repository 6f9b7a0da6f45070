"""Turn a message (kind + context) into the words each channel sends.

Each kind has one template, `templates/notifications/kinds/<kind>.txt`, extending
`notifications/kinds/_base.txt` and filling its blocks: `title` and `body` (required; the
in-app notification), and optionally `subject`, `text`, `html` (email) and `push_title`,
`push_body` (push), which otherwise fall back to title/body. The base template renders one
block per call, chosen by the `part` variable; text parts are rendered without HTML escaping.

Context values are JSON (strings, numbers, lists, dicts) chosen by the caller, with times
already formatted in the place's local time. Rendering happens at send time, in the
recipient's language (English only for now).
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.html import escape, linebreaks

from apps.notifications.models import Kind

PARTS = ("title", "body", "subject", "text", "html", "push_title", "push_body")


@dataclass(frozen=True)
class InAppContent:
    title: str
    body: str


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class PushContent:
    title: str
    body: str


def template_name(kind: str) -> str:
    return f"notifications/kinds/{Kind(kind).value}.txt"


def recipient_language(user: Any) -> str:
    # Profiles list spoken languages, but the product speaks English only for now.
    return settings.LANGUAGE_CODE


def absolute_url(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return f"{settings.SITE_URL}{url if url.startswith('/') else '/' + url}"


def _part(kind: str, part: str, context: dict[str, Any]) -> str:
    template = get_template(template_name(kind))
    return template.render({**context, "part": part}).strip()


def _context(*, user: Any, context: dict[str, Any], url: str) -> dict[str, Any]:
    profile = getattr(user, "profile", None)
    name = profile.display_name if profile is not None else ""
    return {
        **context,
        "display_name": name,
        "url": absolute_url(url),
        "site_url": settings.SITE_URL,
    }


def render_in_app(*, kind: str, user: Any, context: dict[str, Any], url: str) -> InAppContent:
    ctx = _context(user=user, context=context, url=url)
    with translation.override(recipient_language(user)):
        return InAppContent(title=_part(kind, "title", ctx)[:200], body=_part(kind, "body", ctx))


def render_push(*, kind: str, user: Any, context: dict[str, Any], url: str) -> PushContent:
    ctx = _context(user=user, context=context, url=url)
    with translation.override(recipient_language(user)):
        title = _part(kind, "push_title", ctx) or _part(kind, "title", ctx)
        body = _part(kind, "push_body", ctx) or _part(kind, "body", ctx)
    return PushContent(title=title, body=body)


def render_email(*, kind: str, user: Any, context: dict[str, Any], url: str) -> EmailContent:
    ctx = _context(user=user, context=context, url=url)
    with translation.override(recipient_language(user)):
        title = _part(kind, "title", ctx)
        subject = " ".join((_part(kind, "subject", ctx) or title).split())
        text = _part(kind, "text", ctx) or _part(kind, "body", ctx)
        html = _part(kind, "html", ctx) or linebreaks(escape(text))
        layout = {**ctx, "subject": subject, "title": title}
        text_full = render_to_string("notifications/email/layout.txt", {**layout, "content": text})
        html_full = render_to_string("notifications/email/layout.html", {**layout, "content": html})
    return EmailContent(subject=subject, text=text_full.strip() + "\n", html=html_full)
