"""Pages of a list whose length is already known (from counts the app keeps, such as the
counts per unit and year), so the paginator never runs a COUNT over every row it pages."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import QueryDict


class KnownCount(Paginator):
    """A `Paginator` told its length instead of counting it."""

    def __init__(self, object_list, per_page, count: int, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = count

    @property
    def count(self) -> int:
        return self.known_count


def query_without_page(query: QueryDict) -> str:
    """The page's query string without its page number: what the pagination links (the
    `includes/pagination.html` template) add `page=` to."""
    kept = query.copy()
    kept.pop("page", None)
    return kept.urlencode()
