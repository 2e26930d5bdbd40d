FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=omstilling.settings.prod

# Pango and fonts for WeasyPrint (the annual report PDF); gettext for the catalogues.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Only what the portal needs to run; the test tools stay out of the image (`make test` installs them).
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
# .dockerignore keeps .env (secrets), .venv, media, db.sqlite3, .git and caches out.
COPY . .
RUN SECRET_KEY=build ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput

RUN useradd --create-home omstilling && mkdir -p /data/media && chown omstilling /data/media
USER omstilling
EXPOSE 8000
CMD ["gunicorn", "omstilling.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
