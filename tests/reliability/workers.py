"""Real Celery worker processes (and a private Redis) for the tests that need them: the fault tests
here and the end-to-end report test (tests/e2e/test_report_worker.py).

A worker runs the production shape (``REDIS_URL`` set, nothing eager) against this test's database,
which ``transaction=True`` commits so the worker can read it, and listens on a queue of its own so
no other test run or worker takes its tasks; :class:`Publisher` points this process's Celery app at
the same broker and queue.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis
from django.db import connection
from kombu import pools as kombu_pools

from omstilling import celery_app

ROOT = Path(__file__).resolve().parents[2]
PAUSED_WORKER = Path(__file__).with_name("paused_worker.py")


def forget_connections():
    """Make the app read its broker and queue settings again (pools and the AMQP helper are cached)."""
    kombu_pools.reset()
    celery_app._after_fork()
    celery_app.__dict__.pop("amqp", None)


class Publisher:
    """Points this process's Celery app at ``broker`` and ``queue`` (not eager) until ``restore``."""

    KEYS = ("task_always_eager", "broker_url", "result_backend", "task_default_queue")

    def __init__(self, broker, queue):
        conf = celery_app.conf
        self.saved = {key: conf[key] for key in self.KEYS}
        conf.update(
            task_always_eager=False, broker_url=broker, result_backend=broker, task_default_queue=queue
        )
        forget_connections()

    def restore(self):
        celery_app.conf.update(self.saved)
        forget_connections()


class Worker:
    """One worker process: ``celery -A omstilling worker`` as in production, or, given ``pause``, the
    paused worker (paused_worker.py), which sleeps ``pause`` seconds after each progress step of a
    report build."""

    def __init__(self, broker, queue, media_root, log_path, pause=None):
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "omstilling.settings.dev",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": broker,
            "MEDIA_ROOT": str(media_root),
        }
        self.log_path = log_path
        self.log = open(log_path, "a+")  # noqa: SIM115 - closed in stop()
        if pause is None:
            entry = ["-m", "celery", "-A", "omstilling", "worker"]
        else:
            entry = [str(PAUSED_WORKER), str(pause)]
        self.process = subprocess.Popen(
            [
                sys.executable,
                *entry,
                "--pool",
                "solo",
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.started = self.log.tell()

    def output(self):
        return Path(self.log_path).read_text()

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.output()[self.started :]:
                return
            assert self.process.poll() is None, self.output()[-3000:]
            time.sleep(0.1)
        raise AssertionError(f"worker not ready:\n{self.output()[-3000:]}")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own, without persistence: a restart loses everything it held."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self):
        self.stop()
        self.start()

    def client(self):
        return redis.Redis.from_url(self.url)


def wait_for(predicate, timeout, message, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(message() if callable(message) else message)


def forget_queue(broker, queue):
    """Delete the queue and the unacknowledged messages a killed worker left for it in the shared
    Redis, so that no other worker's visibility-timeout restore ever hands them out again."""
    client = redis.Redis.from_url(broker)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for tag, payload in client.hgetall("unacked").items():
        try:
            routing_key = json.loads(payload)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
