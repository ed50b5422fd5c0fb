"""The one LogState row exists from the start, so workers never race to create it."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def create_state(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("log", "LogState").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("log", "0001_initial")]
    operations = [migrations.RunPython(create_state, migrations.RunPython.noop)]
