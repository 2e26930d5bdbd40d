"""E-mails whose bodies are templates: a plain-text body and an HTML alternative.

Every e-mail about an application, a decision, a grant or a payout is a pair of templates,
``templates/email/<name>.txt`` and ``templates/email/<name>.html``, rendered with the same context
(the facts, already formatted the Norwegian way by ``omstilling.formatting``). The text body is the
message itself; its template turns autoescaping off, so an applicant's «R&D» stays «R&D». The HTML
alternative extends ``email/base.html`` (a ``lang`` attribute, no script, nothing fetched from
elsewhere) and keeps autoescaping on, so what a person typed (a title, a reason) shows as text and is
never read as markup. Subjects stay gettext strings in the tasks.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db.models import Model
from django.template.loader import render_to_string

from .celery import send_or_record_refusal

Attachment = tuple[str, bytes, str]


def templated_email(
    name: str,
    context: dict[str, Any],
    *,
    subject: str,
    to: Sequence[str],
    attachments: Iterable[Attachment] = (),
) -> EmailMultiAlternatives:
    """The e-mail ``email/<name>`` to ``to``: the text template as its body, the HTML template as its
    alternative, and ``attachments`` as (filename, content, mimetype)."""
    context = {**context, "subject": subject}
    message = EmailMultiAlternatives(subject, render_to_string(f"email/{name}.txt", context), None, list(to))
    message.attach_alternative(render_to_string(f"email/{name}.html", context), "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def send_templated(
    name: str,
    context: dict[str, Any],
    *,
    subject: str,
    to: Sequence[str],
    task: str,
    obj: Model,
    attachments: Iterable[Attachment] = (),
) -> str | None:
    """Send the e-mail ``email/<name>`` about ``obj`` through ``send_or_record_refusal``: a failure
    that may pass propagates, for ``task`` to retry; a refusal for good is written to ``obj``'s audit
    log and the server's reply returned. None when the e-mail went out."""
    message = templated_email(name, context, subject=subject, to=to, attachments=attachments)
    return send_or_record_refusal(message.send, task=task, obj=obj, recipients=to)
