"""Celery application.

Reliability settings live in ``settings.base`` under the ``CELERY_`` namespace:
late acknowledgement, rejection on worker loss, prefetch 1 and a broker visibility
timeout above the longest task time limit, so a task that dies with its worker is
redelivered instead of lost, and a slow task is never redelivered while it still runs.
"""

import logging
import os
import smtplib
from importlib import import_module

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omstilling.settings.dev")

app = Celery("omstilling")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def registered_task(task_name):
    """The task registered as ``task_name`` ("applications.tasks.decision_letter_build").

    Services start tasks by name, and tasks call services: a service never imports the tasks module
    that imports it. The task's module is imported by that name here (once; Python keeps it), which
    registers the task in any process: web, worker or management command. (Celery's own
    ``import_default_modules`` would do it too, but its Django fixup runs ``django.setup()`` and the
    system checks again on every call, which resets the logging configuration.)
    """
    import_module(task_name.rpartition(".")[0])
    return app.tasks[task_name]


def enqueue(task_name, *args):
    """Start the task registered as ``task_name`` (run in-process when tasks are eager)."""
    return registered_task(task_name).delay(*args)


# How every e-mail task runs: acknowledged when done, retried with back-off when the mail server or
# the network fails, and stopped well before a stuck SMTP connection could hold a worker.
# ``autoretry_for`` cannot tell a server that refuses a message for good from one that fails for now
# (both raise SMTPException), so each task sends through ``send_or_record_refusal``, which stops a
# permanent refusal before it reaches the retry.
EMAIL_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (smtplib.SMTPException, ConnectionError),
    "max_retries": 3,
    "retry_backoff": 60,
    "soft_time_limit": 60,
    "time_limit": 90,
}


def smtp_refusal_is_permanent(exc):
    """Whether the mail server refused this message for good: a 5xx reply (RFC 5321: do not repeat
    the request) to the recipients (every one of them), the sender or the message itself.

    A 4xx reply (greylisting, a full mailbox, a busy server), a dropped connection and errors of our
    own set-up (login, HELO) are not: the task retries them as before."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return exc.smtp_code >= 500
    return False


def _text(reply):
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def smtp_refusal_reply(exc):
    """The server's reply to a refused message, one line per refused address."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_text(reply)}" for address, (code, reply) in exc.recipients.items()
        )
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"


def send_or_record_refusal(send, *, task, obj, recipients):
    """Call ``send()``, which hands one e-mail about ``obj`` to ``recipients``, and return None.

    A failure that may pass propagates, so that the task retries. A permanent refusal (see
    ``smtp_refusal_is_permanent``) is not retried: it is logged, written to ``obj``'s audit log
    (action ``mail:refused``) and the server's reply is returned, for the task to record or skip."""
    try:
        send()
    except smtplib.SMTPException as exc:
        if not smtp_refusal_is_permanent(exc):
            raise
        from .audit import audit_log

        reply = smtp_refusal_reply(exc)
        # A refused address is usually mistyped; a refused sender or message is ours to look into.
        level = logging.WARNING if isinstance(exc, smtplib.SMTPRecipientsRefused) else logging.ERROR
        logger.log(
            level,
            "E-mail refused permanently, not retried: task %s, %s %s (%s), to %s: %s",
            task,
            obj._meta.label,
            obj.pk,
            obj,
            ", ".join(recipients),
            reply,
        )
        audit_log(
            actor=None,
            obj=obj,
            action="mail:refused",
            reason=reply,
            data={
                "task": task,
                "recipients": list(recipients),
                "error": type(exc).__name__,
                "reply": reply,
            },
        )
        return reply
    return None
