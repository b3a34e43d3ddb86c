"""`{% load official %}{% official_labels as L %}`: the official sheet's fixed labels
(`projects.official`) in templates, so no template spells one out: `{{ L.PROJECT }}`,
`{{ L.FUNDS_COLUMNS.initial }}`."""

from django import template

from projects import official

register = template.Library()


@register.simple_tag
def official_labels() -> dict[str, object]:
    return official.labels()
