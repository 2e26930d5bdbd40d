from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """Liveness probe for load balancers and compose; touches neither the database nor Redis."""
    return JsonResponse({"status": "ok"})


@require_GET
def privacy_statement(request):
    """Personvernerklæring: what is stored, why, for how long, who is responsible, your rights."""
    from .models import Programme

    return render(
        request,
        "legal/privacy.html",
        {
            "programmes": Programme.objects.order_by("name"),
            "draft_days": settings.RETENTION_DRAFT_DAYS,
            "warning_days": settings.RETENTION_DRAFT_WARNING_DAYS,
            "anonymise_years": settings.RETENTION_ANONYMISE_YEARS,
            "export_days": settings.PERSONAL_DATA_EXPORT_DAYS,
            "login_days": settings.RETENTION_LOGIN_LOG_DAYS,
        },
    )


@require_GET
def accessibility_statement(request):
    """Tilgjengelighetserklæring in the shape the supervisory authority (Digdir/UU-tilsynet) asks for."""
    from .accessibility import statement
    from .models import Programme

    return render(
        request,
        "legal/accessibility.html",
        {
            "statement": statement(),
            "programmes": Programme.objects.exclude(contact_email="").order_by("name"),
        },
    )
