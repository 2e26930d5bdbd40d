"""The image installs requirements.txt only: it must hold every package the portal imports, and no test tool.

Imports are read from the source (``ast``) of the portal's packages, ``manage.py`` and ``deploy/``;
the standard library and our own packages aside, each must come from a distribution that
requirements.txt names or that one of those pulls in (their metadata's ``Requires-Dist``, with the
extras asked for). Modules the settings name as strings (apps, middleware, backends) count too.
"""

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"omstilling", "applications", "projects", "reports", "tests", "deploy"}
RUNTIME_SOURCES = ["omstilling", "applications", "projects", "reports", "deploy", "manage.py"]
TEST_TOOLS = {
    "pytest",
    "pytest-django",
    "pytest-xdist",
    "execnet",
    "factory-boy",
    "faker",
    "playwright",
    "axe-playwright-python",
    "ruff",
    "import-linter",
    "polib",
    "moto",
    "pypdf",
    "pyyaml",
}


def requirement_lines(name):
    lines = (ROOT / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def pinned(name):
    """The requirements a file names itself (not its -r includes), each pinned with ==."""
    requirements = [Requirement(line) for line in requirement_lines(name) if not line.startswith("-r")]
    unpinned = [str(r) for r in requirements if not re.fullmatch(r"==[\w.]+", str(r.specifier))]
    assert not unpinned, f"{name}: pin exact versions: {unpinned}"
    return requirements


def runtime_distributions():
    """requirements.txt and everything it installs, as canonical distribution names."""
    found = set()
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in pinned("requirements.txt")]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in found:
            continue
        found.add((name, extras))
        for spec in metadata.requires(name) or []:
            requirement = Requirement(spec)
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            )
            if wanted:
                todo.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return {name for name, _extras in found}


def imported_top_level_modules():
    modules = {}
    paths = []
    for source in RUNTIME_SOURCES:
        path = ROOT / source
        paths += [path] if path.is_file() else sorted(path.rglob("*.py"))
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                modules.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    for dotted in [*settings.INSTALLED_APPS, *settings.MIDDLEWARE, *settings.AUTHENTICATION_BACKENDS]:
        modules.setdefault(dotted.split(".")[0], "settings")
    # Named outside Python imports: Django's PostgreSQL backend loads psycopg; the image runs gunicorn.
    modules.setdefault("psycopg", "DATABASES (django.db.backends.postgresql)")
    modules.setdefault("gunicorn", "Dockerfile / docker-compose.yml")
    return modules


def test_runtime_requirements_hold_no_test_tool():
    runtime = runtime_distributions()
    assert not runtime & TEST_TOOLS, sorted(runtime & TEST_TOOLS)
    named = {canonicalize_name(r.name) for r in pinned("requirements.txt")}
    assert {"django", "celery", "psycopg", "gunicorn", "weasyprint", "matplotlib"} <= named


def test_every_module_the_portal_imports_comes_from_the_runtime_requirements():
    runtime = runtime_distributions()
    providers = metadata.packages_distributions()
    missing = {}
    for module, where in sorted(imported_top_level_modules().items()):
        if module in sys.stdlib_module_names or module in FIRST_PARTY:
            continue
        distributions = {canonicalize_name(d) for d in providers.get(module, [])}
        if not distributions & runtime:
            missing[module] = (where, sorted(distributions) or "not installed")
    assert not missing, f"imported but not installed by requirements.txt: {missing}"


def test_the_development_requirements_add_the_test_tools_to_the_runtime():
    lines = requirement_lines("requirements-dev.txt")
    assert lines[0] == "-r requirements.txt"
    dev = {canonicalize_name(r.name) for r in pinned("requirements-dev.txt")}
    assert {"pytest", "pytest-django", "pytest-xdist", "factory-boy", "playwright", "ruff", "polib"} <= dev
    # Each installed version is the pinned one (the shared .venv is what `make test` installs).
    for requirement in pinned("requirements-dev.txt") + pinned("requirements.txt"):
        assert metadata.version(requirement.name) == str(requirement.specifier)[2:], requirement


def test_the_image_and_the_makefile_install_the_right_file():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
    assert "requirements-dev" not in dockerfile
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: venv-run$", makefile, re.M)
    assert re.search(r"^test: venv-dev$", makefile, re.M)
    assert "pip install --quiet -r requirements-dev.txt" in makefile
