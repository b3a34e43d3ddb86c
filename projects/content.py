"""Content inside the interface's sentences, marked for the page.

The interface is translated; content is not (names, comments, file names, the catalogue: see
docs/architecture.md, "Language"). A sentence that quotes content, "Row 3 会议开展次数", is
worded in the reader's language and still says which part is Chinese: `Quoting` is that
sentence as plain text (what it equals, what an e-mail or a workbook prints) which a template
prints escaped with the quoted parts inside `<span lang="zh-Hans">` (`__html__`).
"""

from __future__ import annotations

from django import forms
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


def zh(value) -> SafeString:
    """The value as Chinese content: escaped, inside `<span lang="zh-Hans">`."""
    return format_html('<span lang="zh-Hans">{}</span>', value)


class Quoting(str):
    """A `%`-sentence with the content it quotes (`quoted`: names, comments) marked on the
    page; `words` are the interface's own values (numbers, translated words), escaped only."""

    def __new__(cls, sentence: str, quoted: dict, **words):
        text = super().__new__(cls, str(sentence) % {**quoted, **words})
        marked = {key: zh(value) for key, value in quoted.items()}
        plain = {key: escape(value) for key, value in words.items()}
        text.html = mark_safe(str(escape(sentence)) % {**marked, **plain})  # noqa: S308
        return text

    def __html__(self) -> SafeString:
        return self.html


def for_message(text):
    """A text as a message (`django.contrib.messages`) keeps it: a `Quoting` as its marked
    HTML (a safe string survives the message storage, a `Quoting` would come back plain),
    any other text as it is."""
    return text.__html__() if isinstance(text, Quoting) else text


class ContentColumns:
    """A ModelAdmin mixin: the change list marks its content. Django prints each row's names,
    texts and related objects in plain cells and names the row in its action checkbox's
    label; here a text or related-object column (not one with choices, whose words are the
    interface's) prints its value as `zh(…)`, sortable as before, and the checkbox is labelled
    with the interface's words and described by the row's first content cell."""

    def get_list_display(self, request):
        columns, marked = [], False
        for name in super().get_list_display(request):
            column = self._content_column(name, with_id=not marked)
            marked = marked or column is not name
            columns.append(column)
        return columns

    def _content_column(self, name, *, with_id: bool):
        if name == "__str__":
            return _marked_column(str, self.model._meta.verbose_name, None, self.model, with_id)
        if not is_content_field(self.model, name):
            return name  # interface words, numbers, or a method that words (and marks) itself
        field = self.model._meta.get_field(name)
        return _marked_column(
            lambda obj: getattr(obj, name), field.verbose_name, name, self.model, with_id
        )

    # Fields whose choices are content (the official sheet's labels): their selects mark them.
    content_choice_fields: tuple[str, ...] = ()

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name in self.content_choice_fields:
            kwargs["widget"] = ContentSelect
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def action_checkbox(self, obj):
        from django import forms
        from django.contrib.admin import helpers
        from django.utils.translation import gettext

        attrs = {
            "class": "action-select",
            "aria-label": gettext("选择此行以执行操作"),
            "aria-describedby": _row_content_id(self.model, obj),
        }
        return forms.CheckboxInput(attrs, lambda value: False).render(
            helpers.ACTION_CHECKBOX_NAME, str(obj.pk)
        )

    action_checkbox.short_description = mark_safe('<input type="checkbox" id="action-toggle">')


def _row_content_id(model, obj) -> str:
    return f"content-{model._meta.model_name}-{obj.pk}"


def _marked_column(read, description, order, model, with_id: bool):
    """A change-list column printing `read(obj)` as content; the first one in a row carries
    the id the row's action checkbox is described by."""
    from django.contrib.admin.utils import display_for_value

    def column(obj):
        value = read(obj)
        if value is None or value == "":
            return display_for_value(value, "-")
        if not with_id:
            return zh(value)
        return format_html(
            '<span lang="zh-Hans" id="{}">{}</span>', _row_content_id(model, obj), value
        )

    column.short_description = description
    if order:
        column.admin_order_field = order
    return column


def is_content_field(model, name) -> bool:
    """Whether the model's field `name` holds content: text or a related object, no choices."""
    from django.core.exceptions import FieldDoesNotExist
    from django.db import models

    if not isinstance(name, str):
        return False
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return not field.choices and isinstance(
        field, (models.CharField, models.TextField, models.ForeignKey)
    )


class ContentSelect(forms.Select):
    """A select whose options are content (the official sheet's labels as a field's choices):
    each option but the empty one marked lang="zh-Hans"."""

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        if option["value"] not in ("", None):
            option["attrs"]["lang"] = "zh-Hans"
        return option
