"""Log-in by e-mail address without regard to case: «Kari@Bedrift.no» is kari@bedrift.no.

New addresses are stored in lower case (``UserManager``, the registration form), but an account
created before that, or typed in by staff in the admin, may hold capitals; it keeps working.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Django's ModelBackend, finding the user by e-mail address whatever its case."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = username.strip()
        # At most one: the database keeps addresses unique whatever their case (user_email_unique_lower).
        user = user_model._default_manager.filter(email__iexact=address).first()
        if user is None:
            user_model().set_password(password)  # the same work as a wrong password: no timing difference
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request, credentials):
    """The name django-axes counts failed log-ins under: the address in lower case, so that changing
    its case gives no new attempts."""
    username = (credentials or {}).get("username") or ""
    return username.strip().lower()
