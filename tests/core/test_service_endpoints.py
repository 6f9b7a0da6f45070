"""Service endpoints and production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from pytest_django import Settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker_ok(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"db": "ok", "broker": "ok"}


def test_healthz_names_the_broker_when_it_is_down(client: Client, settings: Settings) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"db": "ok", "broker": "down"}


def test_openapi_schema_and_docs_are_served(client: Client) -> None:
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/me", "/api/v1/interests"):
        assert path in paths
    assert docs.status_code == 200
    assert b"cdn.jsdelivr" not in docs.content  # served from our own static files


def test_production_settings_pass_check_deploy_without_warnings(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL"}
    }
    env |= {
        "DEBUG": "false",
        "SECRET_KEY": "a-very-long-production-secret-key-with-enough-entropy-4f9c2b7e1d",
        "ALLOWED_HOSTS": "matchup.example",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example:587",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/matchup"),
    }
    # Variables set here win over .env (django-environ only fills what is unset).
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_hashes_passwords_with_argon2() -> None:
    from matchup import settings as project_settings

    first_hasher = project_settings.PASSWORD_HASHERS[0]

    assert first_hasher == "django.contrib.auth.hashers.Argon2PasswordHasher"
