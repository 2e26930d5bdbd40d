"""The cache backend: Django's Redis cache, for which an unreachable Redis is an empty cache.

Sessions are read from the cache (``cached_db``: written to the database too), so a logged-in page
costs a Redis read instead of a query. Redis is also the Celery broker, and when it is down the
portal must stay up, as it does for the submit (the receipt is sent later): here a Redis error is
logged and answered as a cache miss, and the sessions come from the database.

``MAX_TIMEOUT`` (in ``OPTIONS``) caps how long an entry may live. The sessions' cache uses it: a
logout while Redis cannot be reached deletes the session from the database, but the cached copy can
only be deleted once Redis answers again, so it must not outlive the cap.
"""

import functools
import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _miss_on_redis_error(answer):
    """Wrap a cache method: a Redis error is logged and answered with ``answer(*args, **kwargs)``,
    what an empty cache would say."""

    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError:
                logger.warning(
                    "Redis cache unavailable (%s); carrying on without it", method.__name__, exc_info=True
                )
                return answer(*args, **kwargs)

        return guarded

    return decorate


def _nothing(*args, **kwargs):
    return None


def _no(*args, **kwargs):
    return False


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

    get = _miss_on_redis_error(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _miss_on_redis_error(lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = _miss_on_redis_error(_no)(RedisCache.has_key)
    add = _miss_on_redis_error(_no)(RedisCache.add)
    set = _miss_on_redis_error(_nothing)(RedisCache.set)
    # set_many answers the keys it could not set: all of them.
    set_many = _miss_on_redis_error(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    touch = _miss_on_redis_error(_no)(RedisCache.touch)
    delete = _miss_on_redis_error(_no)(RedisCache.delete)
    delete_many = _miss_on_redis_error(_nothing)(RedisCache.delete_many)
