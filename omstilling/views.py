from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """Liveness probe for load balancers and compose; touches neither the database nor Redis."""
    return JsonResponse({"status": "ok"})
