"""A Celery worker whose report builds pause at every progress step — a fault-injection entry point
for tests/reliability (never used outside the tests).

    python tests/reliability/paused_worker.py SECONDS <celery worker arguments>

The pause lets a test kill the worker while a report is being built; nothing in the application
itself knows about it.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omstilling.settings.dev")


def main():
    pause = float(sys.argv[1])
    import django

    django.setup()
    from reports import tasks

    real_progress = tasks.report_job_progress

    def paused_progress(*args, **kwargs):
        result = real_progress(*args, **kwargs)
        time.sleep(pause)
        return result

    tasks.report_job_progress = paused_progress

    from omstilling.celery import app

    app.worker_main(["worker", *sys.argv[2:]])


if __name__ == "__main__":
    main()
