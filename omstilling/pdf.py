"""HTML → PDF with WeasyPrint, fetching nothing from outside the project.

Templates link their stylesheets and images as ``{% static %}`` URLs. WeasyPrint resolves them
against :data:`BASE_URL`, and :class:`ProjectOnlyURLFetcher` serves them from the project's own static
files (``data:`` URLs are allowed too, for embedded charts). Everything else — ``file://`` paths, remote
``http(s)`` URLs, a static path that escapes the static folders — is refused, so text a user typed
into an application can never make the renderer read the server's files or call out to the network.

Every PDF is tagged and identifies itself as PDF/UA-1 (ISO 14289-1): a structure tree of headings,
paragraphs, lists, tables with their header cells and figures with their alternative text, the
document's language (``<html lang>``) and its title (``<title>``, shown by the viewer instead of the
file name). Norwegian universal-design rules cover documents a public body publishes, and a letter or
the plan read aloud by a screen reader needs the same structure. WeasyPrint makes one variant per
document; PDF/UA-1 is the one its tagging is built for.
"""

import logging
import mimetypes
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# A host that cannot exist (RFC 2606); it only anchors relative and static URLs.
BASE_URL = "https://omstilling.invalid/"


class RefusedURLError(ValueError):
    """WeasyPrint logs it and renders the document without the resource."""


class ProjectOnlyURLFetcher(URLFetcher):
    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        static_prefix = urlsplit(BASE_URL).path.rstrip("/") + settings.STATIC_URL
        if f"{parts.scheme}://{parts.netloc}/" == BASE_URL and parts.path.startswith(static_prefix):
            relative = unquote(parts.path[len(static_prefix) :])
            path = finders.find(relative) if ".." not in relative.split("/") else None
            if path:
                with open(path, "rb") as fh:
                    body = fh.read()
                content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": content_type})
        logger.warning("PDF rendering refused to fetch %s", url)
        raise RefusedURLError(f"refused to fetch {url}")


PDF_VARIANT = "pdf/ua-1"


def render_pdf(html, *, stylesheets=None, tagged=True):
    """The PDF bytes of ``html`` (a complete document as a string), tagged as PDF/UA-1.

    ``tagged=False`` leaves out the structure tree and the identification; only the benchmark uses
    it, to measure what tagging costs.
    """
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=ProjectOnlyURLFetcher())
    return document.write_pdf(stylesheets=stylesheets, pdf_variant=PDF_VARIANT if tagged else None)
