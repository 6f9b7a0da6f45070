#!/usr/bin/env bash
# Create .venv/ with exactly the locked dependencies (uv.lock). Re-runs only when the lock
# changed since the last successful install.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION="0.13.9"
stamp=".venv/.installed-lock"

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if [ ! -x .venv/bin/uv ] || [ "$(.venv/bin/uv --version | awk '{print $2}')" != "$UV_VERSION" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
if [ -f "$stamp" ] && cmp -s uv.lock "$stamp"; then
    exit 0
fi
# --inexact keeps uv itself, which is not part of the project's lock.
UV_PROJECT_ENVIRONMENT=.venv .venv/bin/uv sync --frozen --inexact --all-groups
cp uv.lock "$stamp"
