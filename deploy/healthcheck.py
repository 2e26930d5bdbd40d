"""The health check of compose's ``web`` service: exit 0 when ``/readyz`` answers 200, else 1.

Standard library only, so the image needs no curl: ``python deploy/healthcheck.py``. The request
carries a host name Django accepts (the first of ``ALLOWED_HOSTS``) and says it came through TLS
(``X-Forwarded-Proto: https``, as Caddy does), so ``SECURE_SSL_REDIRECT`` does not answer it with a
redirect. ``READYZ_URL`` overrides the address (default http://127.0.0.1:8000/readyz).
"""

import os
import sys
import urllib.error
import urllib.request


def allowed_host():
    for entry in os.environ.get("ALLOWED_HOSTS", "").split(","):
        entry = entry.strip().lstrip(".")
        if entry and entry != "*":
            return entry
    return "localhost"


def main():
    url = os.environ.get("READYZ_URL", "http://127.0.0.1:8000/readyz")
    headers = {"Host": allowed_host(), "X-Forwarded-Proto": "https", "Accept": "application/json"}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except OSError as error:
        print(f"{url} not reachable: {error}")
        return 1
    print(status, body.decode("utf-8", "replace"))
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
