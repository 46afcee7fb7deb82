"""The PostgreSQL pool: its lighter reset on release still never hands the next request a
transaction someone left open (a cancelled request, a bug)."""

from __future__ import annotations

from service.db import get_engine


async def test_a_transaction_left_open_is_rolled_back_when_the_connection_returns(clean_db):
    pool = get_engine().pool
    leaked = await pool.acquire()
    raw = leaked._con
    await leaked.execute("BEGIN")
    await leaked.execute(
        "INSERT INTO outbox_message (id, topic, payload, dedupe_key, created_at, available_at,"
        " attempts, last_error) VALUES (gen_random_uuid(), 'test.leak', '{}', 'leak-1', now(),"
        " now(), 0, '')"
    )
    assert raw.is_in_transaction()
    await pool.release(leaked)

    held = []
    try:
        while len(held) < pool.get_max_size():
            connection = await pool.acquire()
            held.append(connection)
            if connection._con is raw:
                break
        assert any(c._con is raw for c in held), "the pool did not give the connection back"
        assert not raw.is_in_transaction()
        count = await held[-1].fetchval(
            "SELECT count(*) FROM outbox_message WHERE dedupe_key = 'leak-1'"
        )
        assert count == 0
    finally:
        for connection in held:
            await pool.release(connection)
