"""The finance bureaus of the real published sheets and, for each, a rule set for the sheet's
year with the parameters that sheet shows (docs/rules.md §5, "Shipped rule sets"); the
national default rows get their source.

A frozen copy: a migration must not change when the documentation or the models do. Each
parameter a sheet does not show keeps the national default (and §5 says so).
"""

from decimal import Decimal

from django.db import migrations

NATIONAL_SOURCE = "财预〔2020〕10号《项目支出绩效评价管理办法》附件（项目支出绩效自评表）；上海市人才服务中心 2023 年度自评表 11 张（种子）"

# (bureau, region, year, source, parameters that differ from the national default)
REGIONAL = (
    (
        "永德县财政局",
        "云南省临沧市永德县",
        2022,
        "永德县明朗中学《2022年度项目支出绩效自评表》（公开14表），"
        "https://www.yongde.gov.cn/info/3003/116104.htm",
        {"rounding": "ROUND_HALF_UP", "decimal_places": 0},
    ),
    (
        "上海市普陀区财政局",
        "上海市普陀区",
        2022,
        "上海市普陀区体育事业管理中心2022年度项目自评价（两张自评表），"
        "https://pdf.chddh.cn/archives/48n5zg2zkkjxn27q6rjv.html",
        {"rounding": "ROUND_HALF_UP"},
    ),
    (
        "廊坊市财政局",
        "河北省廊坊市",
        2019,
        "廊坊市食品工程学校《办公宿舍楼、食堂及餐厅暖通改造经费 绩效自评表》（2019年度），"
        "http://www.lfsp.cn/newsinfo/1158053.html",
        {"rounding": "ROUND_HALF_UP", "decimal_places": 0},
    ),
    (
        "黄石市财政局",
        "湖北省黄石市",
        2022,
        "黄石市图书馆《2022年度共享工程项目自评表》（附表2，预算执行 20 分、绩效目标 80 分），"
        "https://www.hsslib.org.cn/info/72903.jspx",
        {
            "budget_weight": Decimal("20.00"),
            "guideline_output": Decimal("40"),
            "guideline_effect": Decimal("30"),
            "guideline_satisfaction": Decimal("10"),
        },
    ),
    (
        "六安市财政局",
        "安徽省六安市",
        2021,
        "六安市文化和旅游局《2021年公共文化服务体系建设专项资金决算情况》自评表，"
        "https://wlj.luan.gov.cn/public/6608361/9913671.html",
        {"rounding": "ROUND_HALF_UP", "decimal_places": 0},
    ),
)


def ship(apps, schema_editor):
    Bureau = apps.get_model("indicators", "Bureau")
    RuleSet = apps.get_model("indicators", "RuleSet")
    CatalogueScheme = apps.get_model("indicators", "CatalogueScheme")
    RuleSet.objects.filter(bureau__isnull=True, source="").update(source=NATIONAL_SOURCE)
    scheme = CatalogueScheme.objects.filter(name="2020").first()
    if scheme is None:  # a database emptied of its catalogue: nothing to attach rules to
        return
    for name, region, year, source, params in REGIONAL:
        bureau, _created = Bureau.objects.get_or_create(name=name, defaults={"region": region})
        # By id: the historical models' classes may be rendered apart (a multi-app migrate).
        if RuleSet.objects.filter(bureau_id=bureau.pk, year=year).exists():
            continue
        RuleSet.objects.create(
            bureau_id=bureau.pk, year=year, version=1, scheme_id=scheme.pk, source=source, **params
        )


def unship(apps, schema_editor):
    """Remove what `ship` added and nothing that is used: a rule set a sheet records, or a
    bureau with departments or other rule sets, stays."""
    Bureau = apps.get_model("indicators", "Bureau")
    RuleSet = apps.get_model("indicators", "RuleSet")
    alias = schema_editor.connection.alias
    # Deleted by id, without the collector: nothing refers to these rows (the filters say so),
    # and the historical models' classes may be rendered apart (a multi-app migrate).
    for name, _region, year, source, _params in REGIONAL:
        unused = RuleSet.objects.filter(
            bureau__name=name, year=year, version=1, source=source, sheets__isnull=True
        ).values_list("pk", flat=True)
        RuleSet.objects.filter(pk__in=list(unused))._raw_delete(alias)
        idle = Bureau.objects.filter(
            name=name, departments__isnull=True, rule_sets__isnull=True
        ).values_list("pk", flat=True)
        Bureau.objects.filter(pk__in=list(idle))._raw_delete(alias)
    RuleSet.objects.filter(bureau__isnull=True, source=NATIONAL_SOURCE).update(source="")


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0007_finance_bureaus"),
        # After the sheets recorded their rule sets (projects 0007 picks a year's newest).
        ("projects", "0009_bureaus_and_amount_units"),
    ]

    operations = [migrations.RunPython(ship, unship)]
