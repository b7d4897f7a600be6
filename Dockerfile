# Ketenportal production image: gunicorn serving Django with whitenoise; the same image runs the
# Celery worker and beat (see docker-compose.yml).
# Pinned by digest, so a rebuild gets the same base; to update, look up the new digest
# (`docker buildx imagetools inspect python:3.11-slim-bookworm`) and replace it here.
FROM python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=ketenportal.settings.production

# WeasyPrint renders PDFs with Pango and HarfBuzz; DejaVu gives it fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 ketenportal

WORKDIR /app
COPY requirements/base.lock requirements/base.lock
RUN pip install --no-cache-dir -r requirements/base.lock

COPY --chown=ketenportal:ketenportal . .
# Static files and translations are built into the image. The build-time secret is a random
# throw-away (production refuses a short or placeholder key, also here); it is not kept.
RUN export SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    && ALLOWED_HOSTS=localhost python manage.py compiletranslations -v0 \
    && ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/media /app/private_media \
    && chown ketenportal:ketenportal /app/media /app/private_media

USER ketenportal
EXPOSE 8000
# Workers, threads and logging: gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_THREADS, ...).
CMD ["gunicorn", "ketenportal.wsgi:application"]
