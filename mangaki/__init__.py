"""Mangaki: rate anime and manga, get recommendations that explain themselves."""

from .celery import app as celery_app

__all__ = ["celery_app"]
