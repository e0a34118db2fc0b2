from django.db import migrations

CATEGORIES = [("anime", "Anime"), ("manga", "Manga")]


def create_categories(apps, schema_editor):
    Category = apps.get_model("mangaki", "Category")
    for slug, name in CATEGORIES:
        Category.objects.get_or_create(slug=slug, defaults={"name": name})


def delete_categories(apps, schema_editor):
    Category = apps.get_model("mangaki", "Category")
    Category.objects.filter(slug__in=[slug for slug, _ in CATEGORIES], works__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("mangaki", "0001_initial")]

    operations = [migrations.RunPython(create_categories, delete_categories)]
