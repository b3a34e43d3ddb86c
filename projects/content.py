"""Content inside the interface's sentences, marked for the page.

The interface is translated; content is not (names, comments, file names, the catalogue: see
docs/architecture.md, "Language"). A sentence that quotes content, "Row 3 会议开展次数", is
worded in the reader's language and still says which part is Chinese: `Quoting` is that
sentence as plain text (what it equals, what an e-mail or a workbook prints) which a template
prints escaped with the quoted parts inside `<span lang="zh-Hans">` (`__html__`).
"""

from __future__ import annotations

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
