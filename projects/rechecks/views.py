"""Being built by a helper session that owns this file."""

from django.http import Http404


def recheck_list(request):
    raise Http404
