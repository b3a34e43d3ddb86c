"""The database stores codes, not sentences worded in someone's language.

- A transition records its action (`submit`, `return`, `approve`, `reopen`); the timeline words
  it when shown. The sentence once stored as the comment of a submission or approval made
  without one (提交审核 / 审核通过, or their English) is cleared: the action says it now.
- A comment on a row records the row's number and name as they were; 第 16 行 … is worded when
  shown. The old `anchor_label` sentence is read back into them.
"""

import re

from django.db import migrations, models

ACTIONS = {
    ("draft", "submitted"): "submit",
    ("returned", "submitted"): "submit",
    ("submitted", "returned"): "return",
    ("submitted", "approved"): "approve",
    ("approved", "returned"): "reopen",
}
# What the old code stored as the comment when the person wrote none, in either language.
DEFAULT_COMMENTS = {
    "submit": {"提交审核", "Submitted for review"},
    "approve": {"审核通过", "Approve"},
}
ROW_LABEL = re.compile(r"^(?:第\s*(\d+)\s*行|Row\s+(\d+))\s*(.*)$", re.S)


def forwards(apps, schema_editor):
    SheetTransition = apps.get_model("projects", "SheetTransition")
    for transition in SheetTransition.objects.all():
        action = ACTIONS.get((transition.from_status, transition.to_status), "submit")
        transition.action = action
        if transition.comment in DEFAULT_COMMENTS.get(action, ()):
            transition.comment = ""
        transition.save(update_fields=["action", "comment"])
    Comment = apps.get_model("projects", "Comment")
    for comment in Comment.objects.filter(anchor="row"):
        match = ROW_LABEL.match(comment.anchor_label)
        if match:
            comment.anchor_row_number = int(match.group(1) or match.group(2))
            comment.anchor_row_name = match.group(3)[:200]
        else:
            comment.anchor_row_name = comment.anchor_label[:200]
        comment.save(update_fields=["anchor_row_number", "anchor_row_name"])


def backwards(apps, schema_editor):
    Comment = apps.get_model("projects", "Comment")
    for comment in Comment.objects.all():
        if comment.anchor == "row":
            comment.anchor_label = f"第 {comment.anchor_row_number} 行 {comment.anchor_row_name}"
        elif comment.anchor == "sheet":
            comment.anchor_label = "整张表"
        else:
            comment.anchor_label = comment.budget_line
        comment.save(update_fields=["anchor_label"])


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0005_indicator_row"),
    ]

    operations = [
        migrations.AddField(
            model_name="sheettransition",
            name="action",
            field=models.CharField(
                choices=[
                    ("submit", "提交审核"),
                    ("return", "退回修改"),
                    ("approve", "审核通过"),
                    ("reopen", "重新打开"),
                ],
                default="submit",
                max_length=20,
                verbose_name="操作",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="comment",
            name="anchor_row_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="评论时的指标名称"),
        ),
        migrations.AddField(
            model_name="comment",
            name="anchor_row_number",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="评论时的行号"
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="comment", name="anchor_label"),
    ]
