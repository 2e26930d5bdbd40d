from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from applications import selectors


@never_cache
@require_GET
def healthz(request):
    """Liveness probe for load balancers and compose; touches neither the database nor Redis."""
    return JsonResponse({"status": "ok"})


PUBLIC_GRANTS_SHOWN = 100


@require_GET
def front_page(request):
    """The programmes, their open calls and the granted projects — what anyone may see."""
    return render(
        request,
        "portal/front_page.html",
        {
            "programmes": selectors.programmes_with_open_calls(),
            "grants": selectors.public_grants(limit=PUBLIC_GRANTS_SHOWN),
        },
    )
