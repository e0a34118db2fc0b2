"""Loaded by pytest before Django (``-p tests.environment``): a secret for the test run only.

The settings refuse to start without SECRET_KEY unless DEBUG is on; the test suite runs
with DEBUG off, as production does, so it brings its own throwaway key.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production")
