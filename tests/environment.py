"""Loaded by pytest before Django (``-p tests.environment``): a secret for the test run only.

The settings refuse to start without SECRET_KEY unless DEBUG is on; the test suite runs
with DEBUG off, as production does, so it brings its own throwaway key.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production")
# The test client and the browser tests' live server speak plain HTTP; the HTTPS settings of
# production are checked by their own tests (tests/mangaki/test_deploy_settings.py).
os.environ.setdefault("HTTPS", "0")
