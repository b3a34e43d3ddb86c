"""The level-1/level-2 indicator catalogue schemes, as data.

The database holds the catalogue (seeded from here by a migration, editable afterwards); this
module is the seed and the fallback the text importer uses to recognise level names.
"""

from __future__ import annotations

SCHEMES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "2020": (
        ("产出指标", ("数量指标", "质量指标", "时效指标", "成本指标")),
        ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
        ("满意度指标", ("服务对象满意度指标",)),
    ),
    # Since 2021 some regions split 成本指标 into three.
    "2021": (
        (
            "产出指标",
            (
                "数量指标",
                "质量指标",
                "时效指标",
                "经济成本指标",
                "社会成本指标",
                "生态环境成本指标",
            ),
        ),
        ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
        ("满意度指标", ("服务对象满意度指标",)),
    ),
}

DEFAULT_SCHEME = "2020"


def level2_parents(scheme: str | None = None) -> dict[str, str]:
    """Level-2 name → level-1 name, over one scheme or (None) over every scheme."""
    schemes = [SCHEMES[scheme]] if scheme else list(SCHEMES.values())
    parents: dict[str, str] = {}
    for tree in schemes:
        for level1, level2s in tree:
            for level2 in level2s:
                parents.setdefault(level2, level1)
    return parents


def level1_names(scheme: str | None = None) -> list[str]:
    schemes = [SCHEMES[scheme]] if scheme else list(SCHEMES.values())
    names: list[str] = []
    for tree in schemes:
        for level1, _ in tree:
            if level1 not in names:
                names.append(level1)
    return names
