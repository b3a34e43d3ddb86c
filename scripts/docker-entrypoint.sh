#!/bin/sh
# Container entrypoint: publish the collected static files to the volume nginx serves,
# apply migrations, then run the container command (gunicorn by default, `manage.py db_worker`
# in the worker), as PID 1 so that it receives the stop signal and the container ends with it.
set -eu

if [ -d /srv/static ] && [ -w /srv/static ]; then
    cp -r /app/staticfiles/. /srv/static/
fi

# Only the app container migrates; the worker starts once the app is healthy (PERFEVAL_MIGRATE=0).
# Migrations include the audit log's append-only triggers (PostgreSQL).
if [ "${PERFEVAL_MIGRATE:-1}" = "1" ]; then
    python manage.py migrate --noinput
fi

exec "$@"
