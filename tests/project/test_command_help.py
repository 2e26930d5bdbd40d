"""Every management command of the project explains itself: ``manage.py <command> --help`` prints its
help in the active language instead of failing."""

import pytest
from django.core.management import get_commands, load_command_class
from django.utils import translation

OURS = sorted(
    (name, app)
    for name, app in get_commands().items()
    if app in {"applications", "omstilling", "projects", "reports"}
)


@pytest.mark.parametrize(("name", "app"), OURS, ids=[name for name, _ in OURS])
@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_command_prints_its_help(name, app, language):
    command = load_command_class(app, name)
    with translation.override(language):
        text = command.create_parser("manage.py", name).format_help()
    assert f"manage.py {name}" in text
    assert len(text) > 200


def test_every_project_command_is_checked():
    assert {"apply_retention", "seed_demo_users", "build_report", "import_grants"} <= {
        name for name, _ in OURS
    }
