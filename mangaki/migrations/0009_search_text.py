"""Search: every title stored once more, normalised, with a trigram index on PostgreSQL."""

import mangaki.text_search
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

BATCH_SIZE = 2000


class CreateTrigramExtension(TrigramExtension):
    """pg_trgm on PostgreSQL, nothing elsewhere, both ways.

    Going back leaves the extension: something else on the server may use it, and it costs
    nothing (Django's own backwards step would also query pg_extension on SQLite).
    """

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def fill_search_text(apps, schema_editor):
    # The normalisation of the day: a later change to it comes with a migration that refills.
    from mangaki.text_search import normalize

    for name in ("Work", "WorkTitle"):
        model = apps.get_model("mangaki", name)
        rows = model.objects.using(schema_editor.connection.alias).only("pk", "title")
        changed = []
        for row in rows.iterator(chunk_size=BATCH_SIZE):
            row.search_text = normalize(row.title)
            changed.append(row)
        model.objects.using(schema_editor.connection.alias).bulk_update(
            changed, ["search_text"], batch_size=BATCH_SIZE
        )


class Migration(migrations.Migration):

    dependencies = [
        ('mangaki', '0008_titles_airing_links'),
    ]

    operations = [
        # A trusted extension: the database's owner may create it.
        CreateTrigramExtension(),
        migrations.AddField(
            model_name='work',
            name='search_text',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name='worktitle',
            name='search_text',
            field=models.TextField(blank=True, editable=False),
        ),
        # The columns are dropped on the way back; nothing to undo before that.
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='work',
            index=mangaki.text_search.TrigramIndex(fields=['search_text'], name='work_search_trgm'),
        ),
        migrations.AddIndex(
            model_name='worktitle',
            index=mangaki.text_search.TrigramIndex(fields=['search_text'], name='worktitle_search_trgm'),
        ),
    ]
