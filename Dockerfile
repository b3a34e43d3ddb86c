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

# Dependencies first (read from pyproject.toml) so code changes do not reinstall them.
COPY pyproject.toml /app/
RUN python -c "import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt gunicorn \
    && rm /tmp/requirements.txt

COPY . /app

# The project itself. Code runs from /app: PYTHONPATH puts /app ahead of site-packages, so
# BASE_DIR is /app and templates/, static/ and locale/ are found.
RUN pip install --no-deps . && rm -rf build *.egg-info

ENV PYTHONPATH=/app \
    XDG_CACHE_HOME=/tmp/.cache

# Build-time only dummy secret: collectstatic needs settings to load with DEBUG off.
RUN if [ -d locale ]; then python manage.py compilemessages; fi \
    && DJANGO_SECRET_KEY=build DJANGO_DEBUG=false python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin perfeval \
    && mkdir -p /data/media /srv/static \
    && chown -R perfeval:perfeval /data/media /srv/static

USER perfeval

ENV DJANGO_DEBUG=false \
    DJANGO_MEDIA_ROOT=/data/media

EXPOSE 8000

ENTRYPOINT ["sh", "/app/scripts/docker-entrypoint.sh"]
CMD ["gunicorn", "perfeval.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
