"""The year's evaluation tasks' pages (being built: helper session owns this file)."""

from django.http import Http404


def task_list(request):
    raise Http404
