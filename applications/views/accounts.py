"""Registration with e-mail verification. Log-in, log-out and password reset are Django's own views."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from omstilling.audit import audit_log

from ..forms import RegistrationForm
from .common import error_summary

User = get_user_model()


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """One-use link: the hash covers the verification time, which the first use sets."""

    key_salt = "applications.views.accounts.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.is_active}{user.email_verified_at}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()


def _send_verification(request, user):
    link = request.build_absolute_uri(
        reverse(
            "verify_email",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": email_verification_token.make_token(user),
            },
        )
    )
    body = render_to_string("account/email/verify.txt", {"user": user, "link": link})
    send_mail(_("Bekreft e-postadressen din"), body, None, [user.email])


def _send_already_registered(request, email):
    body = render_to_string(
        "account/email/already_registered.txt",
        {
            "login": request.build_absolute_uri(reverse("login")),
            "reset": request.build_absolute_uri(reverse("password_reset")),
        },
    )
    send_mail(_("Du har allerede en konto"), body, None, [email])


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("my_applications")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            if existing.is_active:
                _send_already_registered(request, existing.email)
            else:
                _send_verification(request, existing)
        else:
            try:
                with transaction.atomic():
                    # Inactive until the address is confirmed: nobody logs in with someone else's e-mail.
                    user = form.save(commit=False)
                    user.is_active = False
                    user.save()
                    audit_log(actor=None, obj=user, action="user_register")
            except IntegrityError:
                pass  # registered a moment ago in another request; the answer is the same
            else:
                _send_verification(request, user)
        return redirect("register_done")
    return render(request, "account/register.html", {"form": form, "errors": error_summary(form)})


def register_done(request):
    return render(request, "account/register_done.html")


@require_http_methods(["GET", "POST"])
def verify_email(request, uidb64, token):
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    valid = user is not None and email_verification_token.check_token(user, token)
    if not valid:
        return render(request, "account/verify_failed.html", status=400)
    if request.method == "GET":
        # A mail scanner following the link must not activate the account; a person presses the button.
        return render(request, "account/verify_confirm.html", {"verified_user": user})
    with transaction.atomic():
        user.is_active = True
        user.email_verified_at = timezone.now()
        user.save(update_fields=["is_active", "email_verified_at"])
        audit_log(actor=user, obj=user, action="user_verify_email")
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[-1])
    messages.success(request, _("E-postadressen er bekreftet, og du er logget inn."))
    return redirect("organisations")
