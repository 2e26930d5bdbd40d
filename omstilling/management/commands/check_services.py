from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.utils import OperationalError


class Command(BaseCommand):
    help = "Checks that the database and Redis are reachable and says how to start them if not."

    def handle(self, *args, **options):
        problems = []
        db = settings.DATABASES["default"]
        try:
            # The server, not the database: the test runner creates its own database.
            with connection._nodb_cursor() as cursor:
                cursor.execute("SELECT 1")
        except OperationalError as exc:
            where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
            problems.append(
                f"PostgreSQL is not reachable at {where} ({exc}).\n"
                "  Start it:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
                "  or point DATABASE_URL at a running server, "
                "e.g. postgres://postgres@127.0.0.1:5432/omstilling"
            )
        if settings.REDIS_URL:
            import redis

            try:
                redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
            except redis.RedisError as exc:
                problems.append(
                    f"Redis is not reachable at {settings.REDIS_URL} ({exc}).\n"
                    "  Start it:  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''\n"
                    "  or point REDIS_URL at a running server."
                )
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(f"Database ({connection.vendor}) and Redis are reachable.")
