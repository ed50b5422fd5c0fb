from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.utils import timezone

#: Sessions read, decoded and written at a time, so that memory stays flat however many live.
BATCH = 1000


def copy_live_sessions(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor | None) -> None:
    """Nobody is signed out by the upgrade: every live session moves to the new table,
    with its person where its data names one who exists."""
    from django.contrib.sessions.backends.db import SessionStore  # the same salt as ours

    Old = apps.get_model("sessions", "Session")
    live = Old.objects.filter(expire_date__gt=timezone.now()).order_by("session_key")
    batch = []
    for session in live.iterator(chunk_size=BATCH):
        batch.append(session)
        if len(batch) == BATCH:
            copy_batch(apps, SessionStore(), batch)
            batch = []
    copy_batch(apps, SessionStore(), batch)


def copy_batch(apps: StateApps, decoder: Any, sessions: list[Any]) -> None:
    New = apps.get_model("org", "Session")
    Person = apps.get_model("org", "Person")
    named = {}
    for session in sessions:
        signed_in = str(decoder.decode(session.session_data).get(SESSION_KEY, ""))
        # Only what could be a person's id (a bigint) is looked up.
        named[session.session_key] = int(signed_in) if signed_in.isdigit() and len(signed_in) < 19 else None
    people = set(Person.objects.filter(pk__in=set(named.values()) - {None}).values_list("pk", flat=True))
    New.objects.bulk_create(
        New(
            session_key=session.session_key,
            session_data=session.session_data,
            expire_date=session.expire_date,
            person_id=named[session.session_key] if named[session.session_key] in people else None,
        )
        for session in sessions
    )


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0006_single_sign_on_identity"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="person",
                    ),
                ),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "abstract": False,
            },
        ),
        migrations.RunPython(copy_live_sessions, migrations.RunPython.noop),
    ]
