#!/usr/bin/env bash
# Times `resolve_input` (the one-statement answer, migration 20261201000090) with pgbench alone,
# against a one-row insert, on the database a benchmark run left behind (BENCHMARKS.md §15):
#
#   target/release/switchboard-bench --only answer --clients rust --keep-data
#   scripts/resolve_input_pgbench.sh /tmp/switchboard-bench-<id>      # the path it printed
#
# It adds open questions to the busiest session, answers them one per pgbench transaction as a
# member of its project, and prints the average latency with synchronous_commit on and off.
# The kept database is changed (questions answered); delete the directory afterwards.
set -euo pipefail
# Starts the kept database; sets bin, as_owner, psql.
source "$(dirname "$0")/kept_bench_db.sh"

n=20000
read -r session user < <("${psql[@]}" -F ' ' -c "
  SELECT s.id, m.user_id FROM sessions s
  JOIN project_members m ON m.project_id = s.project_id AND m.role >= 2
  ORDER BY s.last_seq DESC LIMIT 1")
"${psql[@]}" -c "SET client_min_messages = warning;
  INSERT INTO questions (id, session_id, seq, spec)
  SELECT gen_random_uuid(), '$session', 0, (SELECT spec FROM questions LIMIT 1)
  FROM generate_series(1, $n);
  UPDATE sessions SET status = 2, open_questions = open_questions + $n WHERE id = '$session';
  DROP TABLE IF EXISTS bench_open; DROP SEQUENCE IF EXISTS bench_open_seq;
  CREATE TABLE bench_open AS
    SELECT row_number() OVER () AS n, id FROM questions
    WHERE session_id = '$session' AND answer IS NULL;
  CREATE UNIQUE INDEX ON bench_open (n);
  CREATE SEQUENCE bench_open_seq;
  CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, v text);"

# The arguments the server passes (server/store/sessions/input_fast.rs), with small bodies.
cat > "$sock/resolve.sql" <<EOF
SELECT * FROM resolve_input('$session', 1::int2,
  (SELECT id FROM bench_open WHERE n = (SELECT nextval('bench_open_seq'))),
  '$user', 2::int2, '{1,2}'::int2[], '{4,5,6}'::int2[], 2::int2, 1::int2,
  '{Active,AwaitingInput,Stopping,Completed,Failed,Stopped,Disconnected,Pending,Starting}'::text[],
  NULL, now(), '{"option_ids":["a"],"text":"","answered_by":"User"}'::jsonb, 2::int2, 3::int2,
  '{"type":"answer","option_ids":["a"],"text":"","answered_by":"User"}'::jsonb, 7::int2,
  '{"type":"status_change"}'::jsonb, 4::int2,
  '{"kind":"QuestionAnswered","question_text":"Which database?"}'::jsonb, 3::int2,
  '{"kind":"StatusChanged"}'::jsonb, gen_random_uuid(), 1::int2, 1::int2,
  '{"question":"Which database?","seq":0}'::jsonb);
EOF
echo "INSERT INTO bench_floor (v) VALUES ('x');" > "$sock/floor.sql"
chmod 644 "$sock"/*.sql  # read by pgbench as the owner

run() {  # label, script, transactions, synchronous_commit
  local avg
  avg=$(as_owner env PGOPTIONS="-c synchronous_commit=$4" "$bin/pgbench" -h "$sock" -U switchboard \
    -n -M prepared -f "$3" -t "$2" switchboard | sed -n 's/^latency average = //p')
  printf '%-34s %s\n' "$1" "$avg"
}
run "one-row insert, sync commit"   2000 "$sock/floor.sql"   on
run "resolve_input, sync commit"    4000 "$sock/resolve.sql" on
run "one-row insert, async commit"  2000 "$sock/floor.sql"   off
run "resolve_input, async commit"   4000 "$sock/resolve.sql" off
