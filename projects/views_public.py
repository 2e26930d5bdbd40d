"""The front page. Here, not in the programmes app, because it lists grants: the programmes app
(``omstilling``) imports none of the apps above it.
"""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from applications.selectors import programmes_with_open_calls

from .selectors import public_grants

PUBLIC_GRANTS_SHOWN = 100


@require_GET
def front_page(request):
    """The programmes, their open calls and the granted projects — what anyone may see."""
    return render(
        request,
        "portal/front_page.html",
        {
            "programmes": programmes_with_open_calls(),
            "grants": public_grants(limit=PUBLIC_GRANTS_SHOWN),
        },
    )
