"""Readiness: may this web process take requests? The database, Redis and the file store must answer.

``/healthz`` (omstilling.views.healthz) is liveness: it touches nothing, so a slow database never gets a
healthy process restarted. ``/readyz`` runs django-health-check's checks: ``SELECT 1`` on the database,
a write and read-back on both caches (Redis when ``REDIS_URL`` is set: the sessions' cache and the
Celery broker's server), a ping of ``REDIS_URL`` itself (the cache answers a Redis error as a miss,
the broker does not) and a file saved, read and deleted in the default storage.

An anonymous client learns only which check failed, never why (host names, error texts): the library's
own report (HTML, feeds, error messages) is not served; the failure and its cause go to the log, and
``manage.py health_check readyz --no-http`` prints them for the operator.
"""

import asyncio
import datetime

from django.conf import settings
from django.http import JsonResponse
from health_check.checks import Cache, Database, Storage
from health_check.views import HealthCheckView

TIMEOUT = datetime.timedelta(seconds=3)


def _redis_client():
    from redis.asyncio import Redis

    seconds = TIMEOUT.total_seconds()
    return Redis.from_url(settings.REDIS_URL, socket_connect_timeout=seconds, socket_timeout=seconds)


def readiness_checks():
    checks = [
        (Database, {"alias": "default"}),
        (Cache, {"alias": "default", "timeout": TIMEOUT}),
        (Cache, {"alias": settings.SESSION_CACHE_ALIAS, "timeout": TIMEOUT}),
        (Storage, {"alias": "default"}),
    ]
    if settings.REDIS_URL:
        from health_check.contrib.redis import Redis

        checks.append((Redis, {"client_factory": _redis_client}))
    return checks


def _name(check):
    alias = getattr(check, "alias", None)
    return type(check).__name__.lower() + (f":{alias}" if alias else "")


class ReadinessView(HealthCheckView):
    @property
    def checks(self):
        return readiness_checks()

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        failed = any(result.error for result in results)
        report = {_name(result.check): "unavailable" if result.error else "ok" for result in results}
        return JsonResponse(
            {"status": "unavailable" if failed else "ok", "checks": report}, status=503 if failed else 200
        )


readyz = ReadinessView.as_view()
