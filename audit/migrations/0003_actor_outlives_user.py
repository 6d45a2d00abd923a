import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from audit import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    """The actor's id is hashed, so deleting a user must not rewrite (SET_NULL) or block
    (foreign key) its entries. SQLite alters the column by rebuilding the table, which
    drops its triggers: they are installed again after the change (and, going back,
    after the reverse change). Installing again also adds PostgreSQL's TRUNCATE guard."""

    dependencies = [
        ("audit", "0002_append_only_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, install),
        migrations.AlterField(
            model_name="auditlog",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
