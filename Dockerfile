# perfeval production image: Django + gunicorn, WeasyPrint with Debian's CJK fonts (no CDN).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        fonts-noto-cjk \
        fontconfig \
        libharfbuzz-subset0 \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so code changes do not reinstall them: exactly the versions and hashes of
# requirements.lock (the runtime dependencies and gunicorn; `make lock` writes it from
# pyproject.toml). pip refuses any package that is not pinned there with a matching hash.
COPY requirements.lock /app/
RUN pip install --require-hashes -r requirements.lock

COPY . /app

# The project itself is not installed: code runs from /app (PYTHONPATH and the working
# directory), so BASE_DIR is /app and templates/, static/ and locale/ are found.
ENV PYTHONPATH=/app \
    XDG_CACHE_HOME=/tmp/.cache

# Build-time only dummy secret: collectstatic needs settings to load with DEBUG off.
RUN if [ -d locale ]; then python manage.py compilemessages; fi \
    && DJANGO_SECRET_KEY=build DJANGO_DEBUG=false python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin perfeval \
    && mkdir -p /data/media /srv/static \
    && chown -R perfeval:perfeval /data/media /srv/static

USER perfeval

# gunicorn reads GUNICORN_CMD_ARGS (the number of workers, the timeout): set it in .env to change
# them; the command line below only names what never changes.
ENV DJANGO_DEBUG=false \
    DJANGO_MEDIA_ROOT=/data/media \
    GUNICORN_CMD_ARGS="--workers 3 --timeout 120"

EXPOSE 8000

# The app's health (docker-compose.yml sets its own for the app and the worker).
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py", "web"]

ENTRYPOINT ["sh", "/app/scripts/docker-entrypoint.sh"]
CMD ["gunicorn", "perfeval.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--error-logfile", "-"]
