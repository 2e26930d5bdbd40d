"""Benchmark settings: the test settings (PostgreSQL, Redis) shaped like production where it costs time.

Persistent database connections, WhiteNoise's static index built once at start-up (the test settings
look every request's path up on disk) and the log-in lock-out on. Used by ``bench/portal_form.py``,
in-process and behind gunicorn.
"""

from .test import *  # noqa: F403
from .test import DATABASES, env

DEBUG = False
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
WHITENOISE_AUTOREFRESH = False
AXES_ENABLED = True
# The benchmark adds two bare views (bench/floor_urls.py) in front of the portal's URLs.
ROOT_URLCONF = env("ROOT_URLCONF", default="omstilling.urls")
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
