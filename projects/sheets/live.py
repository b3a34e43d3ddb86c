"""Live scoring's economy: a row's level-2 choice read from one query, and each row's
computed cell (suggested score, findings, number) sent back only when it changed.

The browser keeps each computed cell's signature (`data-sig`) and posts them back with the
form (`live_sigs`, JSON {prefix: signature}); the server renders the rows whose signature
differs, so a keystroke in a 40-row sheet sends about what it sends for a short one."""

from __future__ import annotations

import hashlib
import json
from functools import partial

from django.core.exceptions import ValidationError

SIGS_FIELD = "live_sigs"
MAX_SIGS_LENGTH = 64 * 1024  # a sheet's worth of signatures; more is not the editor's


def preload_level2(rows) -> None:
    """Every row's level-2 choice looked up in one query of the choices, not one per row."""
    forms = rows.forms
    if not forms:
        return
    by_pk = {str(obj.pk): obj for obj in forms[0].fields["level2"].queryset}
    for form in forms:
        field = form.fields["level2"]
        field.to_python = partial(_level2_from, field, by_pk)


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
        rv.number,
        rv.suggested_text,
        rv.suggestion_explanation,
        rv.applicable,
        tuple((f.severity, f.message) for f in rv.findings if not f.is_hint),
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
