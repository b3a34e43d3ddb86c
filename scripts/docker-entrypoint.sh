#!/bin/sh
# Container entrypoint: publish the collected static files to the volume nginx serves,
# apply migrations, then run the container command (gunicorn by default).
set -eu

if [ -d /srv/static ]; then
    cp -r /app/staticfiles/. /srv/static/
fi

python manage.py migrate --noinput

exec "$@"
