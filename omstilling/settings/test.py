"""Test settings: PostgreSQL and Redis (as in production), fast hashing, e-mail in memory."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import cache_settings, env

SECRET_KEY = "test-only-key"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/omstilling"),
}
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
# Cache keys carry the database's name and the pytest-xdist worker: other test runs, and the other
# workers of this one, share this Redis.
CACHES = cache_settings(
    REDIS_URL,
    key_prefix=f"test.{DATABASES['default']['NAME']}.{os.environ.get('PYTEST_XDIST_WORKER', 'main')}",
)
# Unit tests run tasks in-process; tests that need a real worker start one against Redis.
CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="omstilling-test-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = env.bool("AXES_ENABLED", default=False)
DEMO_USERS = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
