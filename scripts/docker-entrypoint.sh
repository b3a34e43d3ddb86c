#!/bin/sh
# Container entrypoint: publish the collected static files to the volume nginx serves,
# apply migrations, then run the container command (gunicorn by default).
set -eu

if [ -d /srv/static ]; then
    cp -r /app/staticfiles/. /srv/static/
fi

# Only the web container migrates; the worker starts after it (PERFEVAL_MIGRATE=0).
if [ "${PERFEVAL_MIGRATE:-1}" = "1" ]; then
    python manage.py migrate --noinput
fi

exec "$@"
