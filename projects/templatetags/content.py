"""`{% load content %}{{ value|zh }}`: content, as opposed to the interface, marked as Chinese.

The interface is translated; content is not: what users typed (names, targets, reasons,
comments), the catalogue's indicator names and the official sheet's labels stay as they are
in every language. `zh` prints a value inside `<span lang="zh-Hans">`, escaped, so screen
readers, fonts and the English pages' test (tests/test_english_pages.py) tell the two apart.
Where a whole element is content, put `lang="zh-Hans"` on the element instead.
"""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from indicators.messages import grade_name
from projects import content

register = template.Library()


@register.filter
def zh(value) -> str:
    """The value as Chinese content; nothing for an empty value."""
    if value is None or value == "":
        return ""
    return content.zh(value)


# The params of a finding that quote the sheet (indicators.scoring): a reason or a value as
# typed, a row's unit of measure, the catalogue's level names. The rest are numbers or words
# of the interface.
QUOTED_PARAMS = ("text", "unit", "levels")


@register.filter
def finding_message(finding) -> str:
    """A finding's sentence (`FindingView.message`, in the active language), escaped, with
    what it quotes from the sheet marked as Chinese content."""
    quoted = {
        escape(str(finding.params[name]))
        for name in QUOTED_PARAMS
        if str(finding.params.get(name) or "").strip()
    }
    message = escape(finding.message)
    if not quoted:
        return message
    pattern = re.compile("|".join(re.escape(q) for q in sorted(quoted, key=len, reverse=True)))
    return mark_safe(pattern.sub(lambda m: f'<span lang="zh-Hans">{m.group(0)}</span>', message))  # noqa: S308


@register.filter
def grade(value) -> str:
    """A grade (优, 良, 中, 差) in words of the interface: the official character in Chinese,
    Excellent/Good/Fair/Poor in English. The official sheet prints the character itself."""
    return grade_name(value) if value else value


@register.filter
def is_content(readonly_field) -> bool:
    """An admin read-only field that holds content: a text field or a related object of the
    form's model, not a field with choices (their words are the interface's)."""
    return content.is_content_field(
        readonly_field.form._meta.model, readonly_field.field.get("field")
    )
