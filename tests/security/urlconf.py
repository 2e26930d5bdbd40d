"""Every route in the URL conf, as the authorisation matrix walks it."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    route: str  # the full pattern, e.g. "admin/applications/application/<path:object_id>/change/"
    name: str | None  # the namespaced name, e.g. "admin:applications_application_change"
    kwargs: tuple  # the names of the URL's keyword arguments, in order
    pattern: URLPattern

    @property
    def is_admin(self):
        return self.route.startswith("admin/")

    def __str__(self):
        return self.name or self.route


def _kwarg_names(pattern):
    if hasattr(pattern, "converters") and pattern.converters:
        return list(pattern.converters)
    regex = pattern.regex if hasattr(pattern, "regex") else None
    return list(regex.groupindex) if regex is not None else []


def _clean(route):
    # Regex patterns (the admin's app index) carry ^ and $ anchors; keep the route readable.
    return re.sub(r"[\^$]", "", route)


def routes(resolver=None, prefix="", namespace=None, kwargs=()):
    """Every URL pattern reachable from ``resolver`` (the project's URL conf by default)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        names = (*kwargs, *_kwarg_names(entry.pattern))
        route = prefix + _clean(str(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from routes(entry, route, inner, names)
        else:
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield Route(route=route, name=name, kwargs=names, pattern=entry)
