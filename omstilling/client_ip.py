"""The client's IP address behind the reverse proxies we trust, for django-axes' lock-outs.

Behind a TLS proxy every request arrives from the proxy's address, so a lock per (user, IP) would be
a lock per user: anyone could keep the programme leader locked out with five wrong passwords. Each
trusted proxy appends the address it received the request from to ``X-Forwarded-For``; the client
is therefore the entry ``TRUSTED_PROXY_COUNT`` places from the right. Entries further left were
written by the client itself and are never believed.
"""

from django.conf import settings


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        # Not through the whole chain of proxies: the nearest address is all we know.
        return remote
    return forwarded[-proxies]
