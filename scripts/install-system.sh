#!/usr/bin/env bash
# Install the Debian packages MatchUp needs, only those that are missing, and start
# PostgreSQL and Redis if they are down. Idempotent: a second run installs nothing.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

pg_version() {
    # The version of the running (or installed) PostgreSQL cluster, e.g. "15".
    if command -v pg_lsclusters >/dev/null 2>&1; then
        pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1}'
    fi
}

wanted=(gdal-bin binutils chromium chromium-driver)
command -v psql >/dev/null 2>&1 || wanted+=(postgresql)
command -v redis-server >/dev/null 2>&1 || wanted+=(redis-server)

missing=()
for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# PostGIS must match the server's major version, known only once PostgreSQL is installed.
version="$(pg_version)"
if [ -z "$version" ]; then
    echo "No PostgreSQL cluster found after installing postgresql." >&2
    exit 1
fi
postgis="postgresql-${version}-postgis-3"
if ! dpkg-query -W -f='${Status}' "$postgis" 2>/dev/null | grep -q "install ok installed"; then
    echo "==> apt-get install $postgis"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$postgis"
fi

# Start the services if they are down (no systemd on CI machines).
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "==> starting PostgreSQL $version"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "==> starting Redis"
    $SUDO mkdir -p /var/lib/redis /var/log/redis
    $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/matchup.log
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi
