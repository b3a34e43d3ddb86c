"""The house rules of docs/architecture.md, checked on the source itself (no database).

Each test reads the project's Python files (and templates) as text and fails, naming the file
and line, when someone breaks a rule: an import cycle, Django in the engine, a room reaching
into another room's internals, a role checked by hand outside `projects/access.py`, an
official label or a finding code written out again, or a function over 80 lines. Where an
exception is justified it is listed below, by file, with the reason.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("perfeval", "projects", "indicators")
ROOMS = (
    "sheets",
    "review",
    "imports",
    "exports",
    "audit",
    "accounts",
    "tasks",
    "reminders",
    "rechecks",
    "dashboard",
    "checks",
    "publication",
)

# Modules that are plain Python: no Django, nothing of the project that is not plain too.
PLAIN = {
    "indicators.values",
    "indicators.scoring",
    "indicators.findings",
    "indicators.numbers",
    "indicators.catalogue",
    "indicators.grouping",
    "projects.official",
    "projects.imports.text_reader",
    "projects.imports.xlsx_reader",
    "projects.review.diff",
}
# What a plain module may import besides the standard library and other plain modules.
PLAIN_LIBRARIES = {"openpyxl"}

# A room's public face: what other rooms may import from it. The sheet view-model is the
# sheets room's declared selector for the review's page and every export.
ROOM_API = {"services", "selectors"}
DECLARED_CROSS_ROOM = {"projects.sheets.view_model"}
# The accounts room's signals are its public events; the audit log records them.
DECLARED_CROSS_ROOM |= {"projects.accounts.signals"}
# The one rule for text in a workbook (a string cell, never a formula): every room that writes
# a workbook (exports, the cross-sheet report, re-checks) uses it.
DECLARED_CROSS_ROOM |= {"projects.exports.xlsx_text"}

# The top of projects reaching into a room, and why.
TOP_INTO_ROOM_ALLOWED = {
    ("projects.models", "projects.audit.models"): "the audit tables belong to app projects",
    ("projects.models", "projects.tasks.models"): "the task tables belong to app projects",
    ("projects.models", "projects.rechecks.models"): "the re-check tables belong to projects",
    ("projects.apps", "projects.audit.receivers"): "ready() connects the audit log's receivers",
}

# The URL configurations: the only modules that import views (the root one routes the login
# pages, whose URL names are global: LOGIN_URL = "login").
URLCONFS = {"projects.urls", "perfeval.urls"} | {
    f"projects.{room}.urls"
    for room in ("tasks", "reminders", "dashboard", "checks", "rechecks", "publication")
}
# Modules that start a request or a command; they may import any room (urls: its views too).
ENTRY_POINTS = re.compile(r"^projects\.(urls|admin|management\..*)$|^perfeval\.urls$")


# -- reading the code ------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the module imported (a project module, or an outside top-level package)
    line: int
    internal: bool


def _module_files() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


MODULES = _module_files()


def _resolve(name: str) -> str | None:
    """The project module an imported name lives in (a package's __init__ included)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str) -> list[Import]:
    """Every import of the module, at its top and inside functions alike."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            # `from projects import official` imports the module projects.official;
            # `from projects.models import Sheet` imports projects.models.
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        for name in names:
            target = _resolve(name)
            if target is not None:
                if target != module:
                    found.append(Import(module, target, node.lineno, True))
            else:
                found.append(Import(module, name.split(".")[0], node.lineno, False))
    return found


IMPORTS = {module: _imports(module) for module in MODULES}


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "projects" and parts[1] in ROOMS else None


# -- imports ---------------------------------------------------------------------------------


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back_through_others():
    graph = {m: {i.target for i in imports if i.internal} for m, imports in IMPORTS.items()}
    assert _cycles(graph) == []


def test_the_rooms_depend_on_each_other_one_way():
    graph: dict[str, set[str]] = {room: set() for room in ROOMS}
    for module, imports in IMPORTS.items():
        for imp in imports:
            source, target = _room(module), _room(imp.target)
            if source and target and source != target:
                graph[source].add(target)
    assert _cycles(graph) == []


def _cross_room_violations(imports_by_module: dict[str, list[Import]]) -> list[str]:
    """Imports of another room's module other than its services and selectors (or the
    declared view-model). Entry points may import any room; only the URL confs its views."""
    wrong = []
    for module, imports in imports_by_module.items():
        source = _room(module)
        for imp in imports:
            target = _room(imp.target)
            if not target or target == source or imp.target in DECLARED_CROSS_ROOM:
                continue
            if source is not None:
                allowed = imp.target.rpartition(".")[2] in ROOM_API
            else:
                is_views = imp.target.endswith(".views")
                allowed = bool(ENTRY_POINTS.match(module)) and (not is_views or module in URLCONFS)
                allowed = allowed or (module, imp.target) in TOP_INTO_ROOM_ALLOWED
            if not allowed:
                wrong.append(f"{module}:{imp.line} imports {imp.target}")
    return wrong


def test_a_room_reaches_another_only_through_its_services_and_selectors():
    assert _cross_room_violations(IMPORTS) == []
    into_internals = Import("projects.review.views", "projects.sheets.forms", 1, True)
    through_api = Import("projects.review.views", "projects.sheets.services", 2, True)
    assert _cross_room_violations({"projects.review.views": [into_internals, through_api]}) == [
        "projects.review.views:1 imports projects.sheets.forms"
    ]


def test_nothing_imports_a_views_module_but_urls():
    wrong = [
        f"{MODULES[m].relative_to(ROOT)}:{i.line} imports {i.target}"
        for m, imports in IMPORTS.items()
        for i in imports
        if i.internal and i.target.endswith(".views") and not m.endswith("urls")
    ]
    assert wrong == []


def test_the_top_of_projects_and_the_catalogue_import_no_room():
    """models, workflow, access and the official labels are read by every room; they import
    none. `indicators` (catalogue, rules, engine) knows nothing of projects."""
    wrong = []
    for module, imports in IMPORTS.items():
        top = module.startswith("projects.") and _room(module) is None
        top = top and not ENTRY_POINTS.match(module)
        for imp in imports:
            if (module, imp.target) in TOP_INTO_ROOM_ALLOWED:
                continue
            if top and _room(imp.target):
                wrong.append(f"{module} imports {imp.target}")
            if module.startswith("indicators") and imp.target.startswith("projects"):
                wrong.append(f"{module} imports {imp.target}")
    assert wrong == []


def test_the_engine_and_the_readers_are_plain_python():
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    wrong = []
    for module in sorted(PLAIN):
        for imp in IMPORTS[module]:
            if imp.internal and imp.target not in PLAIN:
                wrong.append(f"{module} imports {imp.target}, which is not plain Python")
            if not imp.internal and imp.target not in stdlib | PLAIN_LIBRARIES:
                wrong.append(f"{module} imports {imp.target}")
    assert wrong == []


def test_the_engine_and_the_readers_load_with_django_missing():
    """The same rule at run time: with `django` unimportable, every plain module loads."""
    code = (
        "import sys\n"
        "sys.modules['django'] = None\n"
        + "".join(f"import {module}\n" for module in sorted(PLAIN))
        + "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


# -- each fact in one place --------------------------------------------------------------------


def _source_files(*suffixes: str) -> list[Path]:
    files = []
    for top in (*PACKAGES, "templates"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in suffixes and "migrations" not in path.parts:
                files.append(path)
    return files


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


# Role facts: a superuser or staff flag, a profile's unit or department.
ROLE_CHECK = re.compile(
    r"\bis_superuser\b|\bis_staff\b|\buser\.profile\b|\bprofile\.(unit|department)\b"
    r"|\bProfile\.objects\b"
)
ROLE_CHECK_ALLOWED = {
    "projects/access.py": "the one module that decides who may do what",
    "projects/management/commands/load_demo.py": "creates the demo accounts with their roles",
}


def test_no_role_is_checked_outside_the_access_module():
    wrong = []
    for path in _source_files(".py", ".html"):
        if str(path.relative_to(ROOT)) in ROLE_CHECK_ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_CHECK.search(line):
                wrong.append(f"{_where(path, number)}: {line.strip()}")
    assert wrong == []


def _official_labels() -> set[str]:
    from projects import official

    labels: set[str] = set()

    def collect(value) -> None:
        if isinstance(value, str):
            labels.add(value)
        elif isinstance(value, dict) or hasattr(value, "values"):
            for item in value.values():
                collect(item)
        elif isinstance(value, tuple | list):
            for item in value:
                collect(item)

    for value in official.labels().values():
        collect(value)
    return {label for label in labels if label}


GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext"}


def _string_literals(path: Path):
    """(line, text) of every string literal that is not a msgid handed to gettext."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    translated: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in GETTEXT:
            translated.update(id(arg) for arg in node.args)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in translated:
                yield node.lineno, node.value


LABELS_ALLOWED = {
    "projects/official.py": "the labels' one module",
    # The default wording of a rule set's title; the catalogue app cannot read projects.
    ("indicators/models.py", "财政项目支出绩效自评表"): "a rule set's default title wording",
    # One of the words that mark a row not applicable, as the engine reads them.
    ("indicators/values.py", "不适用"): "the engine reads the 不适用 wordings",
}
# Template text that is translated on purpose is left out before looking.
TRANSLATED_IN_TEMPLATE = re.compile(
    r"{%\s*(?:translate|trans)\s+(?:\"[^\"]*\"|'[^']*')[^%]*%}"
    r"|{%\s*blocktranslate.*?%}.*?{%\s*endblocktranslate\s*%}"
    r"|{#.*?#}",
    re.S,
)
CJK = "\u3400-\u9fff\uff08\uff09"


def test_the_official_labels_are_written_only_in_their_module():
    labels = _official_labels()
    wrong = []
    for path in _source_files(".py"):
        name = str(path.relative_to(ROOT))
        if name in LABELS_ALLOWED:
            continue
        for line, text in _string_literals(path):
            if text in labels and (name, text) not in LABELS_ALLOWED:
                wrong.append(f"{_where(path, line)}: {text!r}")
    label_re = re.compile(
        rf"(?<![{CJK}])(?:{'|'.join(map(re.escape, sorted(labels, key=len, reverse=True)))})"
        rf"(?![{CJK}])"
    )
    for path in _source_files(".html"):
        text = TRANSLATED_IN_TEMPLATE.sub(" ", path.read_text(encoding="utf-8"))
        for number, line in enumerate(text.splitlines(), 1):
            for match in label_re.finditer(line):
                wrong.append(f"{_where(path, number)}: {match.group(0)!r}")
    assert wrong == []


def test_finding_codes_are_written_only_in_their_module():
    from indicators.findings import Code

    codes = {code.value for code in Code}
    wrong = []
    for path in _source_files(".py", ".html"):
        if path.relative_to(ROOT) == Path("indicators/findings.py"):
            continue
        if path.suffix == ".py":
            literals = list(_string_literals(path))
        else:
            literals = [
                (n, word)
                for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                for word in re.findall(r"[a-z_0-9]+", line)
            ]
        wrong += [f"{_where(path, line)}: {text!r}" for line, text in literals if text in codes]
    assert wrong == []


EAGER = {"gettext", "pgettext", "ngettext", "npgettext"}


def _eager_calls_at_import(tree: ast.Module) -> list[int]:
    """Lines where a string is translated while the module loads (not inside a function)."""
    eager = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    lines: list[int] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in eager:
            lines.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return lines


def test_strings_translated_when_a_module_loads_are_lazy():
    """Translated at import, a string stays in the language of whoever loaded the module
    first; module and class attributes use gettext_lazy, worded when shown."""
    wrong = [
        _where(path, line)
        for path in _source_files(".py")
        for line in _eager_calls_at_import(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert wrong == []
    example = "from django.utils.translation import gettext as _\nWORDS = {'a': _('x')}\n"
    assert _eager_calls_at_import(ast.parse(example)) == [2]


# -- size ------------------------------------------------------------------------------------

MAX_FUNCTION_LINES = 80


def test_no_function_is_longer_than_80_lines():
    long = []
    for package in ("projects", "indicators"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                    length = node.end_lineno - first + 1
                    if length > MAX_FUNCTION_LINES:
                        long.append(f"{_where(path, node.lineno)} {node.name}: {length} lines")
    assert long == []


def test_the_checks_read_a_real_import_graph_and_would_see_a_break():
    assert len(MODULES) > 40
    assert any(i.target == "projects.models" for i in IMPORTS["projects.access"])
    assert any(i.target == "indicators.values" for i in IMPORTS["indicators.scoring"])
    assert any(not i.internal and i.target == "django" for i in IMPORTS["projects.models"])
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert ROLE_CHECK.search("if request.user.is_superuser:")
    assert ROLE_CHECK.search("{% if user.profile.unit_id %}")
