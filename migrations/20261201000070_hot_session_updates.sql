-- Every step updates its session row (last_seq, last_activity_at, last_seen_at). Postgres can
-- make such an update HOT (the new version on the same page, no new entry in any index, the old
-- one pruned in place) only when no indexed column changes; last_activity_at was in the list
-- index and last_seen_at in the live index, so every step added an entry to each of the five
-- indexes of `sessions`, and every lookup of a busy session by id walked the dead versions'
-- entries in the primary key (issue 18: a quarter of Postgres' time at 16 agents, in
-- _bt_checkkeys and uuid_eq; 325 -> 112 us of Postgres CPU per step with those two indexes gone).
--
-- The indexes now hold the times to the second, in stored generated columns: within a second
-- their values do not change, so a session's updates are HOT, and at most one per second is not.
-- The exact times stay in their columns and still decide the order: the list orders by
-- (activity_second, last_activity_at, id), which is the order of (last_activity_at, id) because
-- the first is a function of the second; the index gives the seconds in order and Postgres sorts
-- within a second (Incremental Sort). The sweep adds `seen_second <= <the cutoff, to the second>`,
-- implied by `last_seen_at <= cutoff`, so that it still reads only silent sessions.
--
-- Room on the page for the new versions: HOT needs the next version on the same page.
ALTER TABLE sessions SET (fillfactor = 90);

ALTER TABLE sessions
    ADD COLUMN activity_second timestamp
        GENERATED ALWAYS AS (date_trunc('second', last_activity_at AT TIME ZONE 'UTC')) STORED,
    ADD COLUMN seen_second timestamp
        GENERATED ALWAYS AS (date_trunc('second', last_seen_at AT TIME ZONE 'UTC')) STORED;

DROP INDEX sessions_project_list_idx;
CREATE INDEX sessions_project_list_idx
    ON sessions (project_id, (status = 2) DESC, activity_second DESC);

DROP INDEX sessions_live_idx;
CREATE INDEX sessions_live_idx ON sessions (seen_second) WHERE status IN (1, 2, 3);
