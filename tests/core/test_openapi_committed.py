"""The OpenAPI schema is part of the contract with the mobile team: the committed copy
(docs/openapi.yaml) must be what the code serves, so every API change shows up in review.
Regenerate it with `make schema`."""

from pathlib import Path

from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def test_committed_schema_matches_the_code(tmp_path: Path) -> None:
    generated = tmp_path / "openapi.yaml"

    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")

    assert generated.read_text() == COMMITTED.read_text(), "run `make schema` and commit it"
