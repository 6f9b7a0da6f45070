"""Liveness of the parts MatchUp cannot work without: the database and the Celery broker."""

import redis
from django.conf import settings
from django.db import connection
from django.db.utils import Error as DatabaseError


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def broker_ok() -> bool:
    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


def health_report() -> dict[str, str]:
    return {
        "db": "ok" if database_ok() else "down",
        "broker": "ok" if broker_ok() else "down",
    }
