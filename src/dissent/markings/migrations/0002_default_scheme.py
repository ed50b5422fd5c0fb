"""The default handling-marking scheme. Admins may add levels or edit labels later."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

DEFAULT_SCHEME = [
    ("UNCLASSIFIED", "UNCLASSIFIED", 0, "No special handling."),
    (
        "SBU",
        "SENSITIVE BUT UNCLASSIFIED",
        10,
        "Not for public release. Share only with people who need it for their work.",
    ),
]


def add_default_scheme(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Marking = apps.get_model("markings", "Marking")
    for code, label, rank, description in DEFAULT_SCHEME:
        Marking.objects.get_or_create(
            code=code, defaults={"label": label, "rank": rank, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("markings", "0001_initial")]
    operations = [migrations.RunPython(add_default_scheme, migrations.RunPython.noop)]
