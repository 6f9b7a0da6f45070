"""Email through Django's configured backend (files under var/mail in development, SMTP from
EMAIL_URL in production), HTML with a plain-text alternative."""

import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from apps.notifications.channels import PermanentSendError, TransientSendError
from apps.notifications.rendering import EmailContent


def message_id(idempotency_key: str) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "matchup.example"
    return f"<{idempotency_key}@{domain}>"


def send_email(
    *, to: str, content: EmailContent, idempotency_key: str, connection: BaseEmailBackend
) -> None:
    """Send one email. The Message-ID is derived from the delivery, so a repeat after a crash
    carries the same id (mail providers and clients drop duplicates by it)."""
    email = EmailMultiAlternatives(
        subject=content.subject,
        body=content.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        connection=connection,
        headers={
            "Message-ID": message_id(idempotency_key),
            "X-MatchUp-Idempotency-Key": idempotency_key,
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(content.html, "text/html")
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentSendError(f"recipient refused: {exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:
        connection.close()
        if 400 <= exc.smtp_code < 500:
            raise TransientSendError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        raise PermanentSendError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        # Disconnects, refused connections and timeouts: the server may be back in a minute.
        connection.close()
        raise TransientSendError(f"SMTP unavailable: {exc!r}") from exc
