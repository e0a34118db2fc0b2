"""WSGI entry point, for gunicorn: ``gunicorn mangaki.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mangaki.settings")
application = get_wsgi_application()
