"""RatingImport counts the entries of its file in nb_entries, like every counted field."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("mangaki", "0010_trainedmodel_nb_counts"),
    ]

    operations = [
        migrations.RenameField(model_name="ratingimport", old_name="n_entries", new_name="nb_entries"),
    ]
