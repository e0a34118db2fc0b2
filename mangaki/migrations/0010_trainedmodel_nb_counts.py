"""TrainedModel's counts of the data it learned from are nb_* like every counted field (Work.nb_ratings)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("mangaki", "0009_search_text"),
    ]

    operations = [
        migrations.RenameField(model_name="trainedmodel", old_name="n_ratings", new_name="nb_ratings"),
        migrations.RenameField(model_name="trainedmodel", old_name="n_users", new_name="nb_users"),
        migrations.RenameField(model_name="trainedmodel", old_name="n_works", new_name="nb_works"),
    ]
