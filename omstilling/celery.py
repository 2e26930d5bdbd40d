"""Celery application.

Reliability settings live in ``settings.base`` under the ``CELERY_`` namespace:
late acknowledgement, rejection on worker loss, prefetch 1 and a broker visibility
timeout above the longest task time limit, so a task that dies with its worker is
redelivered instead of lost, and a slow task is never redelivered while it still runs.
"""

import os
import smtplib

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omstilling.settings.dev")

app = Celery("omstilling")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# How every e-mail task runs: acknowledged when done, retried with back-off when the mail server or
# the network fails, and stopped well before a stuck SMTP connection could hold a worker.
EMAIL_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (smtplib.SMTPException, ConnectionError),
    "max_retries": 3,
    "retry_backoff": 60,
    "soft_time_limit": 60,
    "time_limit": 90,
}
