"""Import-made works become private until confirmed; guests are not counted; import uploads.

Works added by members' imports before this migration were not marked as such. They are the
MyAnimeList-keyed works that nothing trustworthy has described: no sync (``synced_at``), no
catalogue figures (members), no genres, other titles or air dates. They become unconfirmed;
``load_anime`` confirms again any work its files hold, and the sync any it finds upstream.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def forward(apps, schema_editor):
    Work = apps.get_model("mangaki", "Work")
    Profile = apps.get_model("mangaki", "Profile")
    Profile.objects.filter(is_guest=True).update(counted_since=None)
    Work.objects.filter(
        external_source="myanimelist",
        synced_at__isnull=True,
        nb_members__isnull=True,
        aired_from__isnull=True,
        tags__isnull=True,
        titles__isnull=True,
    ).update(confirmed=False)


class Migration(migrations.Migration):
    dependencies = [
        ("mangaki", "0013_upstream_season"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="counted_since",
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True),
        ),
        migrations.AddField(
            model_name="ratingimport",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, help_text="times a worker took it up"),
        ),
        migrations.AddField(
            model_name="ratingimport",
            name="started",
            field=models.DateTimeField(blank=True, help_text="when a worker last took it up", null=True),
        ),
        migrations.AddField(
            model_name="ratingimport",
            name="upload",
            field=models.BinaryField(
                blank=True, help_text="the file as uploaded, until the worker has read it", null=True
            ),
        ),
        migrations.AddField(
            model_name="ratingimport",
            name="written",
            field=models.PositiveIntegerField(
                default=0, help_text="entries written so far (committed batches)"
            ),
        ),
        migrations.AddField(
            model_name="work",
            name="added_by",
            field=models.ForeignKey(
                blank=True,
                help_text="the member whose import first brought it, while it waits for confirmation",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="work",
            name="confirmed",
            field=models.BooleanField(default=True, help_text="public: loaded, synced or confirmed by staff"),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
