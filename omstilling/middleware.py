from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class PreferredLanguageMiddleware(LocaleMiddleware):
    """Norwegian bokmål unless the person picked another language with the language switch.

    Django's own middleware follows the browser's Accept-Language, which would greet most Norwegian
    users (whose browsers often say "en-US") in English. Here only the language cookie set by
    ``set_language`` counts.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
