"""Every control of the sheet editor has an accessible name: a <label for>, a label around
it, or an aria-label / aria-labelledby (the level-2 selects and the funds inputs included)."""

from __future__ import annotations

from html.parser import HTMLParser

from django.urls import reverse

from projects.models import Sheet

CONTROLS = {"input", "select", "textarea"}
UNNAMED_TYPES = {"hidden", "submit", "button", "reset", "image"}  # named by their value or none


class Controls(HTMLParser):
    """The page's controls (those a person can reach), the `for` of its labels, and the
    controls inside a <label>. Controls in a display:none box (`d-none`: the formset's ORDER
    and DELETE, driven by the row buttons) are out of everyone's reach and left out."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, in a label, hidden)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        in_label = bool(self.stack and self.stack[-1][1]) or tag == "label"
        hidden = bool(self.stack and self.stack[-1][2]) or "d-none" in a.get("class", "").split()
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in CONTROLS and not hidden and a.get("type", "text") not in UNNAMED_TYPES:
            self.controls.append({"tag": tag, "in_label": in_label, **a})
        if tag not in {"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr"}:
            self.stack.append((tag, in_label, hidden))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break


def unnamed(html: str) -> list[str]:
    parser = Controls()
    parser.feed(html)
    assert parser.controls, "no controls found on the page"
    return [
        c.get("name") or c.get("id") or c["tag"]
        for c in parser.controls
        if not (
            c["in_label"]
            or c.get("aria-label", "").strip()
            or c.get("aria-labelledby", "").strip()
            or (c.get("id") and c["id"] in parser.label_for)
        )
    ]


def editable_sheet(seed_sheets) -> Sheet:
    return seed_sheets.filter(status=Sheet.Status.DRAFT).order_by("pk").first()


def test_every_control_of_the_editor_has_a_label(seed_sheets, filler, client_for):
    sheet = editable_sheet(seed_sheets)
    response = client_for(filler).get(reverse("projects:sheet-edit", args=[sheet.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert unnamed(html) == []
    # The controls that had none before: the level-2 selects and the funds amounts.
    assert 'for="id_rows-0-level2"' in html
    assert 'for="id_appropriation_initial"' in html
    assert 'for="id_budget_weight"' in html


def test_the_checker_finds_an_unlabelled_control():
    html = (
        '<form><label for="a">A</label><input id="a" name="a">'
        '<label>B <input name="b"></label><input name="c" aria-label="C">'
        '<select name="level2" id="id_level2"></select><input type="hidden" name="h">'
        '<span class="d-none"><input name="ORDER"></span><textarea name="t"></textarea></form>'
    )
    assert unnamed(html) == ["level2", "t"]
