"""SBU memos may not be exported by their co-signers; CONFIDENTIAL ones only by custodians."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def add_rules(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Marking = apps.get_model("markings", "Marking")
    Marking.objects.filter(code="SBU").update(export_rule="not_signers")
    Marking.objects.get_or_create(
        code="CONFIDENTIAL",
        defaults={
            "label": "CONFIDENTIAL",
            "rank": 20,
            "description": "Organisation-defined. Named readers only; exported only by the channel's custodians.",
            "export_rule": "custodians",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("markings", "0003_export_rule")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
