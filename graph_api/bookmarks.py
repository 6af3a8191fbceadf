"""Neo4j bookmarks per viewer in Redis: read-your-own-writes across API replicas."""

from __future__ import annotations

from redis.asyncio import Redis

# A viewer's bookmark matters only until the cluster's followers have caught up (seconds);
# the TTL just keeps idle viewers' keys from piling up.
TTL_SECONDS = 3600


class RedisBookmarks:
    """The BookmarkStore of graph_db.neo4j on a Redis shared by the replicas."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix + "bookmarks:"

    async def get(self, key: str) -> list[str]:
        values = await self._redis.smembers(self._prefix + key)
        return sorted(v.decode() if isinstance(v, bytes) else str(v) for v in values)

    async def put(self, key: str, bookmarks: list[str]) -> None:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(name)
            if bookmarks:
                pipe.sadd(name, *bookmarks)
                pipe.expire(name, TTL_SECONDS)
            await pipe.execute()

    async def close(self) -> None:
        await self._redis.aclose()
