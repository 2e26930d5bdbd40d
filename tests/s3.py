"""A real S3-protocol server for the object-storage tests: moto's server mode (moto[server]).

``.ci/run`` starts one on 127.0.0.1 and names it in TEST_S3_ENDPOINT_URL; without it (``make test``
or pytest on its own) the first test that needs one starts ``python -m moto.server`` on a free port
for this test process (each pytest-xdist worker its own) and stops it at the end of the session.
Each test gets a bucket of its own, so tests and workers never see each other's objects.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import boto3
import pytest
from botocore.config import Config

from omstilling.settings.base import file_storage

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(endpoint):
    try:
        with urllib.request.urlopen(endpoint, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # it answered, with an S3 error document
    except OSError:
        return False


class MotoServer:
    """``python -m moto.server -H 127.0.0.1 -p PORT`` in the background until ``stop``."""

    def __init__(self, log_path=os.devnull):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while not answers(self.endpoint):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("moto_server did not start")
            time.sleep(0.1)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )


class Bucket:
    """A fresh bucket on the server: its name, the settings that point the portal at it, its keys."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.name = f"omstilling-test-{uuid.uuid4().hex[:16]}"
        self.client = client(endpoint)
        self.client.create_bucket(Bucket=self.name)

    def storage(self):
        """``STORAGES["default"]`` as settings.base builds it from the environment variables."""
        return file_storage(
            self.name, endpoint_url=self.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=REGION
        )

    def environment(self):
        """The environment variables a process started by a test reads (settings.base)."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.name,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_REGION_NAME": REGION,
        }

    def keys(self):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key):
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def drop(self):
        for key in self.keys():
            self.client.delete_object(Bucket=self.name, Key=key)
        self.client.delete_bucket(Bucket=self.name)


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    configured = os.environ.get("TEST_S3_ENDPOINT_URL")
    if configured:
        yield configured
        return
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto.log")
    try:
        yield server.endpoint
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint):
    bucket = Bucket(s3_endpoint)
    yield bucket
    bucket.drop()


@pytest.fixture
def object_storage(settings, s3_bucket):
    """The portal keeps its files in ``s3_bucket`` for this test (as with AWS_STORAGE_BUCKET_NAME set)."""
    settings.STORAGES = {**settings.STORAGES, "default": s3_bucket.storage()}
    return s3_bucket
