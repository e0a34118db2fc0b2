"""System checks of the site's own production settings (``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@register(Tags.security, deploy=True)
def email_is_configured(app_configs=None, **kwargs) -> list[Warning]:
    """Password resets need a mail server: SMTP without EMAIL_HOST would fail at the first reset."""
    if settings.EMAIL_BACKEND == SMTP_BACKEND and not settings.EMAIL_HOST:
        return [
            Warning(
                "EMAIL_HOST is not set: password-reset mails cannot be sent.",
                hint="Set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, DEFAULT_FROM_EMAIL), "
                "or name another backend in EMAIL_BACKEND.",
                id="mangaki.W001",
            )
        ]
    return []
