"""Cleaning up after a benchmark that keeps state in Redis."""

from __future__ import annotations


def delete_keys(url: str, prefix: str) -> None:
    """Delete every key under ``prefix`` (a run's tokens, limiter state, credit counters)."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=10)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
