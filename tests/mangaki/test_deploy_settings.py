"""Production is safe by default: HTTPS, HSTS, Secure cookies, CSP, real e-mail, docs from this site.

``manage.py check --deploy`` runs in a fresh process with the README's production example;
the headers are read from real answers of the test client.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings

# Variables the production example sets, and those the test run sets for itself.
OURS = {
    *("DEBUG", "SECRET_KEY", "HTTPS", "EMAIL_HOST", "EMAIL_BACKEND", "NUM_PROXIES", "SECURE_HSTS_PRELOAD"),
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # the browser tests set it for their own process
}
PRODUCTION = {
    "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "mangaki.example",
    "EMAIL_HOST": "smtp.mangaki.example",
    "NUM_PROXIES": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def run(arguments: list[str], **env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in OURS}
    environment.update(env, DJANGO_SETTINGS_MODULE="mangaki.settings")
    return subprocess.run(
        [sys.executable, *arguments], env=environment, capture_output=True, text=True, cwd=settings.BASE_DIR
    )


def deploy_check(**env) -> subprocess.CompletedProcess:
    return run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)


def test_the_readme_production_example_passes_check_deploy():
    result = deploy_check(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_without_https_check_deploy_names_what_is_missing():
    result = deploy_check(**PRODUCTION, HTTPS="0")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


def test_production_sends_mail_by_smtp_and_warns_without_a_mail_server():
    result = deploy_check(**{key: value for key, value in PRODUCTION.items() if key != "EMAIL_HOST"})
    assert "mangaki.W001" in result.stderr and "EMAIL_HOST is not set" in result.stderr
    code = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_BACKEND)"
    production = run(["-c", code], **PRODUCTION)
    assert production.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend", production.stderr
    development = run(["-c", code], DEBUG="1")
    assert development.stdout.strip() == "django.core.mail.backends.console.EmailBackend"


def test_a_proxy_count_must_be_a_number():
    result = run(["-c", "import django; django.setup()"], **{**PRODUCTION, "NUM_PROXIES": "yes"})
    assert result.returncode != 0 and "NUM_PROXIES must be a whole number" in result.stderr


@pytest.fixture
def https(settings):
    """The HTTPS settings production gets by default (the test run itself speaks plain HTTP)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True


def test_plain_http_is_redirected_except_the_health_probe(db, client, https):
    response = client.get("/anime/")
    assert response.status_code == 301 and response["Location"] == "https://testserver/anime/"
    assert client.get("/api/health/").status_code in (200, 503)
    secure = client.get("/anime/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_pages_and_api_answers_carry_a_content_security_policy(db, client):
    for path in ("/", "/api/works/", "/api/nothing-here/"):
        policy = client.get(path)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"


def test_the_api_docs_load_swagger_ui_from_this_site(db, client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert "<script>" not in page  # the UI's own script is a separate request, allowed by the policy
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content
    bundle = "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    assert client.get(bundle).status_code == 200
