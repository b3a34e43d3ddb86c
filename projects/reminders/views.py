"""The pending-work page (being built: helper session owns this file)."""

from django.http import Http404


def todo(request):
    raise Http404
