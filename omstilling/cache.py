"""The cache backend: Django's Redis cache, for which an unreachable Redis is an empty cache.

Sessions are read from the cache (``cached_db``: written to the database too), so a logged-in page
costs a Redis read instead of a query. Redis is also the Celery broker, and when it is down the
portal must stay up, as it does for the submit (the receipt is sent later): here a Redis error is
logged and answered as a cache miss, and the sessions come from the database.

``MAX_TIMEOUT`` (in ``OPTIONS``) caps how long an entry may live. The sessions' cache uses it: a
logout while Redis cannot be reached deletes the session from the database, but the cached copy can
only be deleted once Redis answers again, so it must not outlive the cap.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class FailSoftRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.max_timeout = options.pop("MAX_TIMEOUT", None)
        super().__init__(server, {**params, "OPTIONS": options})

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        seconds = super().get_backend_timeout(timeout)
        if self.max_timeout is not None and (seconds is None or seconds > self.max_timeout):
            return self.max_timeout
        return seconds

    def _unavailable(self, operation):
        logger.warning("Redis cache unavailable (%s); carrying on without it", operation, exc_info=True)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError:
            self._unavailable("get")
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError:
            self._unavailable("get_many")
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError:
            self._unavailable("has_key")
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError:
            self._unavailable("add")
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError:
            self._unavailable("set")

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError:
            self._unavailable("set_many")
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError:
            self._unavailable("touch")
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError:
            self._unavailable("delete")
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except RedisError:
            self._unavailable("delete_many")
