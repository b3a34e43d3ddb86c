"""Live scoring's economy: the rows' form fields built once and their level-2 choices read in
one query, and each row's computed cell (suggested score, findings, number) sent back only
when it changed.

The editor posts its fields as one JSON object (htmx's json-enc extension): read with one
`json.loads`, where Django's form parsing of the same ~600 fields of a 40-row sheet took about
as long as scoring them.

The browser keeps each computed cell's signature (`data-sig`) and posts them back with the
form (`live_sigs`, JSON {prefix: signature}); the server renders the rows whose signature
differs, so a keystroke in a 40-row sheet sends about what it sends for a short one."""

from __future__ import annotations

import copy
import hashlib
import json
from functools import partial

from django import forms
from django.conf import settings
from django.core.exceptions import BadRequest, TooManyFieldsSent, ValidationError

from projects.models import Sheet

from .forms import IndicatorForm, IndicatorFormSet

SIGS_FIELD = "live_sigs"
MAX_SIGS_LENGTH = 64 * 1024  # a sheet's worth of signatures; more is not the editor's


class _SharedFields(dict):
    """A row form's fields, shared by every row of one live-scoring request. Django copies
    each form's fields deeply so that rendering one cannot change another; live scoring only
    reads and validates the rows (never renders their fields), so each form gets a new dict
    (the formset adds ORDER and DELETE to it) of the same field instances."""

    def __deepcopy__(self, memo):
        return dict(self)


def posted_data(request) -> dict[str, str]:
    """The editor's fields as live scoring receives them: a JSON object of names and values
    (as the editor sends them) or a urlencoded form (any other client). Either way bounded
    as Django bounds a form: the body by DATA_UPLOAD_MAX_MEMORY_SIZE (`request.body` refuses
    more), the fields by DATA_UPLOAD_MAX_NUMBER_FIELDS; a name posted twice keeps its last
    value, as `QueryDict.dict()` does."""
    if request.content_type != "application/json":
        return request.POST.dict()
    try:
        data = json.loads(request.body)
    except ValueError:
        raise BadRequest("live scoring: the body is not JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("live scoring: the body is not an object of fields")
    if len(data) > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:
        raise TooManyFieldsSent("live scoring: more fields than any editor has")
    return {
        name if type(name) is str else str(name): value if type(value) is str else _text(value)
        for name, value in data.items()
    }


def _text(value) -> str:
    if isinstance(value, list):
        value = value[-1] if value else ""
    if value is None or isinstance(value, (dict, list)):
        return ""
    return value if isinstance(value, str) else str(value)


def sheet_only():
    """The sheet with its project, unit and department, without its stored rows and funds
    (live scoring reads those from the form)."""
    return Sheet.objects.select_related("project__unit__department")


def rows_formset(data, *, prefix: str, level2_queryset):
    """The posted rows, for live scoring only: the fields built once, not once per row, and
    every row's level-2 choice looked up in one query of the choices."""
    fields = copy.deepcopy(IndicatorForm.base_fields)
    level2 = fields["level2"]
    level2.queryset = level2_queryset
    by_pk = {str(obj.pk): obj for obj in level2.queryset}
    level2.to_python = partial(_level2_from, level2, by_pk)
    methods = {"has_changed": _changed_unless_new}
    if _plain(fields):
        methods["_clean_fields"] = _clean_fields_directly
    form = type("LiveIndicatorForm", (IndicatorForm,), methods)
    form.base_fields = _SharedFields(fields)
    formset = type(
        "LiveIndicatorFormSet", (IndicatorFormSet,), {"form": form, "add_fields": _add_fields_once}
    )
    # A plain dict of each field's last value, as a QueryDict answers `data[name]`: its
    # lookups of absent names (unticked boxes) would each raise and catch a KeyError.
    return formset(data.dict() if hasattr(data, "dict") else dict(data), prefix=prefix)


def _add_fields_once(formset, form, index) -> None:
    """The formset's ORDER and DELETE fields, built for the first row and shared by the rest
    (Django builds two new fields for every row)."""
    shared = formset.__dict__.get("_live_extra_fields")
    if shared is None or index is None:
        IndicatorFormSet.add_fields(formset, form, index)
        if index is not None:
            formset._live_extra_fields = {
                name: form.fields[name]
                for name in (forms.formsets.ORDERING_FIELD_NAME, forms.formsets.DELETION_FIELD_NAME)
                if name in form.fields
            }
        return
    form.fields.update(shared)


def _plain(fields) -> bool:
    """Fields Django cleans from the posted value alone: none disabled, no files, no
    `clean_<name>` method on the form."""
    return not any(
        field.disabled
        or isinstance(field, forms.FileField)
        or hasattr(IndicatorForm, f"clean_{name}")
        for name, field in fields.items()
    )


def _clean_fields_directly(form) -> None:
    """`BaseForm._clean_fields` for plain fields, without building a bound field for each
    (the widget reads the posted value, the field cleans it, an error is the form's)."""
    for name, field in form.fields.items():
        value = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        try:
            form.cleaned_data[name] = field.clean(value)
        except ValidationError as error:
            form.add_error(name, error)


def _changed_unless_new(form) -> bool:
    """A row posted as stored counts as changed: the formset asks every row, and only the new
    rows' answer matters (an untouched new row is left unvalidated, as in the editor)."""
    return not form.empty_permitted or forms.Form.has_changed(form)


def _level2_from(field, by_pk: dict, value):
    """What `ModelChoiceField.to_python` answers, from the preloaded choices."""
    if value in field.empty_values:
        return None
    try:
        return by_pk[str(value)]
    except (KeyError, TypeError):
        raise ValidationError(
            field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        ) from None


def row_sig(rv) -> str:
    """A short signature of what a row's computed cell shows."""
    shown = (
        rv.unreadable,
        rv.number,
        rv.suggested_text,
        rv.suggestion_explanation,
        rv.applicable,
        tuple((f.severity, f.message) for f in rv.notes if not f.is_hint),
    )
    return hashlib.blake2b(repr(shown).encode(), digest_size=8).hexdigest()


def posted_sigs(post) -> dict[str, str]:
    """The signatures the browser shows, as posted; anything malformed counts as none."""
    raw = post.get(SIGS_FIELD) or ""
    if not raw or len(raw) > MAX_SIGS_LENGTH:
        return {}
    try:
        sigs = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(sigs, dict):
        return {}
    return {str(k): v for k, v in sigs.items() if isinstance(v, str)}


def changed_rows(row_views, sigs: dict[str, str]) -> list[tuple[str, object, str]]:
    """(prefix, row view, signature) of the rows whose computed cell the browser lacks."""
    out = []
    for prefix, rv in row_views:
        sig = row_sig(rv)
        if sigs.get(prefix) != sig:
            out.append((prefix, rv, sig))
    return out
