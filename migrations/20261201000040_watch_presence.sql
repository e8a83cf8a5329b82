-- Who watches which session in a dashboard, per server (issue 15): the notification worker of
-- any replica suppresses what a person is watching on another. Each server refreshes its rows
-- while the watch streams live and deletes them when they end; a crashed server's rows lapse at
-- expires_at. UNLOGGED: nothing here needs to survive a database crash (watchers reconnect and
-- mark themselves again), and the refreshes write no WAL.
CREATE UNLOGGED TABLE watch_presence (
    user_id    uuid        NOT NULL,
    session_id uuid        NOT NULL,
    server_id  uuid        NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, session_id, server_id)
);
