-- Kie's per-account limits (20 createTask per 10 s, 10 queries per second), shared by every instance.
-- One row per request slot handed out; rows older than the window are deleted as we go.

CREATE TABLE kie_rate_slots (
    id        bigserial PRIMARY KEY,
    kind      text NOT NULL CHECK (kind IN ('create', 'query')),
    issued_at timestamptz NOT NULL
);

CREATE INDEX kie_rate_slots_by_kind ON kie_rate_slots (kind, issued_at DESC);

-- Take a slot of `p_kind` if fewer than `p_limit` were issued in the last `p_window` seconds; return 0,
-- or else the seconds to wait before asking again. A function so that it costs one round trip and
-- reads AFTER taking the lock: in READ COMMITTED each statement of a volatile function takes a fresh
-- snapshot, so it sees the slot committed by the previous lock holder (a single CTE statement would not).
CREATE FUNCTION kie_rate_acquire(p_kind text, p_lock bigint, p_limit integer, p_window double precision)
RETURNS double precision
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_now timestamptz;
    v_count integer;
    v_oldest timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock);
    -- clock_timestamp, not now(): now() is when the transaction started, before the lock wait.
    v_now := clock_timestamp();
    SELECT count(*), min(issued_at) INTO v_count, v_oldest
    FROM (
        SELECT issued_at FROM kie_rate_slots
        WHERE kind = p_kind AND issued_at > v_now - make_interval(secs => p_window)
        ORDER BY issued_at DESC
        LIMIT p_limit
    ) recent;
    IF v_count < p_limit THEN
        INSERT INTO kie_rate_slots (kind, issued_at) VALUES (p_kind, v_now);
        DELETE FROM kie_rate_slots WHERE kind = p_kind AND issued_at <= v_now - make_interval(secs => p_window);
        RETURN 0;
    END IF;
    -- Full: the oldest of the last p_limit slots leaves the window first.
    RETURN greatest(extract(epoch FROM (v_oldest + make_interval(secs => p_window) - v_now)), 0.001);
END;
$$;
