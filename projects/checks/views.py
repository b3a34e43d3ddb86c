"""Being built by a helper session that owns this file."""

from django.http import Http404


def checks_report(request):
    raise Http404
