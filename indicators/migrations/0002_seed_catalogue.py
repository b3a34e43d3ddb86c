"""Seed the level-1/level-2 catalogue schemes ("2020", "2021") from indicators.catalogue."""

from django.db import migrations

# A frozen copy: a migration must not change when the module it came from changes.
SCHEMES = {
    "2020": (
        "财预〔2020〕10号 指标体系",
        (
            ("产出指标", ("数量指标", "质量指标", "时效指标", "成本指标")),
            ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
            ("满意度指标", ("服务对象满意度指标",)),
        ),
    ),
    "2021": (
        "成本指标分为经济成本、社会成本、生态环境成本",
        (
            (
                "产出指标",
                ("数量指标", "质量指标", "时效指标", "经济成本指标", "社会成本指标", "生态环境成本指标"),
            ),
            ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
            ("满意度指标", ("服务对象满意度指标",)),
        ),
    ),
}


def seed(apps, schema_editor):
    Scheme = apps.get_model("indicators", "CatalogueScheme")
    Level1 = apps.get_model("indicators", "Level1")
    Level2 = apps.get_model("indicators", "Level2")
    for name, (description, tree) in SCHEMES.items():
        scheme, _ = Scheme.objects.get_or_create(name=name, defaults={"description": description})
        for i, (level1_name, level2_names) in enumerate(tree):
            level1, _ = Level1.objects.get_or_create(
                scheme=scheme, name=level1_name, defaults={"position": i}
            )
            for j, level2_name in enumerate(level2_names):
                Level2.objects.get_or_create(
                    level1=level1, name=level2_name, defaults={"position": j}
                )


def unseed(apps, schema_editor):
    apps.get_model("indicators", "CatalogueScheme").objects.filter(name__in=SCHEMES).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
