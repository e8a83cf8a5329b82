#!/usr/bin/env bash
# Times `log_steps` (a batch of steps in one statement, migration 20261201000100) with pgbench
# alone, and prints its plans, on the database a benchmark run left behind (BENCHMARKS.md §17):
#
#   target/release/switchboard-bench --only ingest --clients rust --keep-data
#   scripts/log_steps_pgbench.sh /tmp/switchboard-bench-<id>      # the path it printed
#
# It writes batches of 8 steps (one per session, 8 of the run's sessions) and lone steps, one
# call per pgbench transaction, with synchronous_commit on and off; then the same 8 steps as
# the former shape did them (log_step once per step, in a scratch function). Last, the plans
# Postgres uses inside log_steps (auto_explain), for a batch and for a lone step: only index
# probes (sessions_pkey, messages_request_id_key, api_keys_pkey, messages_user_messages_idx).
# The kept database is changed (steps added); delete the directory afterwards.
set -euo pipefail
# Starts the kept database; sets bin, as_owner, psql.
source "$(dirname "$0")/kept_bench_db.sh"

# Eight sessions that can take a step, with a valid key of their project, in id order (as the
# server sends a batch).
mapfile -t rows < <("${psql[@]}" -F ' ' -c "
  SELECT s.id, s.project_id, k.id FROM sessions s
  JOIN api_keys k ON k.project_id = s.project_id AND k.revoked_at IS NULL
  WHERE s.status = 1 AND s.open_questions = 0 AND s.open_approvals = 0
  ORDER BY s.id LIMIT 8")
[ "${#rows[@]}" -eq 8 ] || { echo "fewer than 8 active sessions in $kept" >&2; exit 2; }

"${psql[@]}" -c "
  CREATE OR REPLACE FUNCTION bench_log_step_each(
      p_sessions uuid[], p_projects uuid[], p_request_ids text[], p_bodies text[],
      p_keys uuid[], p_active smallint, p_sender smallint, p_kind smallint)
  RETURNS bigint[] LANGUAGE plpgsql
  SET lock_timeout = '100ms' SET plan_cache_mode = force_generic_plan
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
  AS \$\$
  DECLARE v_seqs bigint[] := '{}';
  BEGIN
      FOR i IN 1 .. array_length(p_sessions, 1) LOOP
          v_seqs := v_seqs || log_step(p_sessions[i], p_projects[i], p_request_ids[i],
                                       p_bodies[i], p_keys[i], p_active, p_sender, p_kind);
      END LOOP;
      RETURN v_seqs;
  END \$\$;"

# The call the server makes (server/store/sessions/step_batch.rs): function, number of steps.
call() {
  local fn=$1 n=$2 s=() p=() k=() r=() b=() i
  for ((i = 0; i < n; i++)); do
    read -r sid pid kid <<<"${rows[$i]}"
    s+=("'$sid'"); p+=("'$pid'"); k+=("'$kid'")
    r+=("'b' || :r || '-$i'"); b+=("'{\"type\":\"step\",\"text\":\"step $i of a benchmark batch\"}'")
  done
  local IFS=,
  echo "SELECT $fn(ARRAY[${s[*]}]::uuid[], ARRAY[${p[*]}]::uuid[], ARRAY[${r[*]}],"
  echo "  ARRAY[${b[*]}], ARRAY[${k[*]}]::uuid[], 1::int2, 1::int2, 1::int2);"
}
for case in "log_steps 8" "log_steps 1" "bench_log_step_each 8"; do
  set -- $case
  { echo '\set r random(1, 2000000000)'; call "$1" "$2" | tr -d '\n'; echo; } > "$sock/$1-$2.sql"
done
chmod 644 "$sock"/*.sql  # read by pgbench as the owner

run() {  # label, script, synchronous_commit
  local avg
  avg=$(as_owner env PGOPTIONS="-c synchronous_commit=$3" "$bin/pgbench" -h "$sock" -U switchboard \
    -n -M prepared -f "$2" -t 2000 switchboard | sed -n 's/^latency average = //p')
  printf '%-44s %s\n' "$1" "$avg"
}
for commit in on off; do
  run "log_steps, 8 steps, synchronous_commit=$commit" "$sock/log_steps-8.sql" $commit
  run "log_step per step, 8 steps, synchronous_commit=$commit" "$sock/bench_log_step_each-8.sql" $commit
  run "log_steps, 1 step, synchronous_commit=$commit" "$sock/log_steps-1.sql" $commit
done

explain() {  # the statements log_steps runs for this call, as planned
  as_owner psql -h "$sock" -U switchboard -d switchboard -Atq -v ON_ERROR_STOP=1 2>&1 <<SQL | grep -E 'Scan|Update on|Insert on|Cond:'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
$(call log_steps "$1" | sed "s/:r/$RANDOM$RANDOM/g")
SQL
}
echo; echo "plan of a batch of 8:"; explain 8
echo; echo "plan of a lone step:"; explain 1
"${psql[@]}" -c "DROP FUNCTION bench_log_step_each"
