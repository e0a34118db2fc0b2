from django.apps import AppConfig


class MangakiConfig(AppConfig):
    name = "mangaki"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the profile creation signal)
