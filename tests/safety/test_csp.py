"""Content Security Policy on every page; relaxed only for Swagger UI."""

import re

import pytest
from django.test import Client

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/admin/login/"])
def test_pages_carry_a_strict_policy(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]


def test_signed_in_pages_carry_it_too(client: Client, alice: User) -> None:
    client.force_login(alice)

    for path in ("/me/", "/me/edit/", "/me/blocked/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert policy(response)["default-src"] == ["'self'"]


def test_our_templates_have_no_inline_scripts_or_styles(client: Client, alice: User) -> None:
    client.force_login(alice)

    for path in ("/", "/me/", "/me/edit/", "/me/blocked/", "/safety/report/?user_id=1"):
        html = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)", html), path
        assert "<style" not in html, path
        assert not re.search(r"\sstyle=\"", html), path
        assert not re.search(r"\son[a-z]+=\"", html), path


def test_a_nonce_is_added_when_a_template_uses_one(rf, settings) -> None:
    from django.http import HttpResponse
    from django.template import engines

    from apps.safety.middleware import ContentSecurityPolicyMiddleware

    request = rf.get("/")
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}"></script>')

    def view(req):
        return HttpResponse(template.render({"request": req}))

    response = ContentSecurityPolicyMiddleware(view)(request)
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)

    assert f"'nonce-{nonce}'" in policy(response)["script-src"]


def test_swagger_ui_gets_the_inline_code_it_needs_and_nothing_more(client: Client) -> None:
    response = client.get("/api/docs")

    csp = policy(response)
    assert csp["script-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
