"""The migrations of the new layout keep every record: the indicator rows move from the
catalogue app to `projects` with their ids, history, comments and evidence links, and stored
sentences become codes worded when shown."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("projects", "0004_export_job"), ("indicators", "0003_historicalindicator")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_the_indicator_rows_move_to_projects_with_everything_attached():
    from django.contrib.contenttypes.models import ContentType

    old = migrate(BEFORE)
    User = old.get_model("auth", "User")
    # As on a server installed before the move: the row's content type is the catalogue's.
    ContentType.objects.filter(app_label="projects", model="indicator").delete()
    ContentType.objects.get_or_create(app_label="indicators", model="indicator")
    unit = old.get_model("projects", "Unit").objects.create(
        name="单位", department=old.get_model("projects", "Department").objects.create(name="部门")
    )
    project = old.get_model("projects", "Project").objects.create(unit=unit, name="项目")
    sheet = old.get_model("projects", "Sheet").objects.create(project=project, year=2023)
    user = User.objects.create(username="reviewer")
    row = old.get_model("indicators", "Indicator").objects.create(
        sheet=sheet, position=3, name="长效管理机制健全性", target_text="健全", weight=6
    )
    old.get_model("indicators", "HistoricalIndicator").objects.create(
        id=row.pk, sheet_id=sheet.pk, position=3, name=row.name, history_type="+",
        history_date="2024-01-01T00:00:00Z",
    )  # fmt: skip
    comments = old.get_model("projects", "Comment").objects
    comments.create(
        sheet=sheet, indicator=row, author=user, body="原因太笼统", anchor="row",
        anchor_label="第 4 行 长效管理机制健全性",
    )  # fmt: skip
    comments.create(sheet=sheet, author=user, body="整体意见", anchor_label="整张表")
    transitions = old.get_model("projects", "SheetTransition").objects
    for from_status, to_status, comment in (
        ("draft", "submitted", "提交审核"),
        ("submitted", "returned", "请补充"),
        ("returned", "submitted", "Submitted for review"),
        ("submitted", "approved", "审核通过"),
        ("approved", "returned", "抽查发现问题"),
    ):
        transitions.create(
            sheet=sheet, user=user, version=1, from_status=from_status, to_status=to_status,
            comment=comment,
        )  # fmt: skip

    migrate(latest())

    from projects.models import Comment, Indicator, SheetTransition

    moved = Indicator.objects.get(pk=row.pk)
    assert (moved.sheet_id, moved.position, moved.name, moved.weight) == (sheet.pk, 3, row.name, 6)
    assert Indicator.history.filter(id=row.pk).count() == 1
    on_row = Comment.objects.get(body="原因太笼统")
    assert on_row.indicator == moved
    assert (on_row.anchor_row_number, on_row.anchor_row_name) == (4, "长效管理机制健全性")
    assert on_row.anchor_text == "第 4 行 长效管理机制健全性"
    assert Comment.objects.get(body="整体意见").anchor_text == "整张表"
    assert list(SheetTransition.objects.order_by("pk").values_list("action", "comment")) == [
        ("submit", ""),
        ("return", "请补充"),
        ("submit", ""),
        ("approve", ""),
        ("reopen", "抽查发现问题"),
    ]
    assert ContentType.objects.filter(app_label="projects", model="indicator").exists()
    assert not ContentType.objects.filter(app_label="indicators", model="indicator").exists()
