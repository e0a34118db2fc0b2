from django.apps import AppConfig


class MangakiConfig(AppConfig):
    name = "mangaki"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks, signals  # noqa: F401  (registers the deploy checks; connects the profile signal)

        post_migrate.connect(signals.ensure_categories, sender=self, dispatch_uid="mangaki_ensure_categories")
