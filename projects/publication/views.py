"""Being built by a helper session that owns this file."""

from django.http import Http404


def public_index(request):
    raise Http404
