"""Helpers the test modules share (fixtures are in conftest.py)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from projects.models import Sheet
from projects.sheets.json_form import sheet_to_dict
from projects.sheets.selectors import sheet_queryset
from projects.sheets.view_model import build_sheet_view


def logged_in(user) -> Client:
    """A fresh client logged in as `user`."""
    client = Client()
    client.force_login(user)
    return client


def sheet_of(project: str) -> Sheet:
    """The seed sheet of a project, with everything a view-model needs."""
    return sheet_queryset().get(project__name=project)


def view_of(sheet: Sheet):
    return build_sheet_view(sheet_queryset().get(pk=sheet.pk))


def json_of(sheet: Sheet) -> dict:
    """The sheet as its JSON URL serves it."""
    fresh = sheet_queryset().get(pk=sheet.pk)
    return sheet_to_dict(fresh, build_sheet_view(fresh))


def edit_url(sheet) -> str:
    return reverse("projects:sheet-edit", args=[sheet.pk])


def form_data(response) -> dict:
    """The editor's form as a browser would post it back untouched."""
    data = {}
    header, rows = response.context["header"], response.context["rows"]
    for form in [header, rows.management_form, *rows.forms]:
        for bound in form:
            value = bound.value()
            if getattr(bound.field.widget, "input_type", "") == "checkbox":
                if value:
                    data[bound.html_name] = "on"
                continue
            data[bound.html_name] = "" if value is None else str(value)
    return data
