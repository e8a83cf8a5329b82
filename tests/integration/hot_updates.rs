//! A step's update of its session stays HOT (issue 18, migration `hot_session_updates`): no
//! column a step changes is in an index of `sessions`, and steps logged through the server are
//! in fact written as HOT updates (no new index entries, the old version pruned in place).

use switchboard::proto::LogStepRequest;

use crate::harness::*;

/// The columns every step (or presence touch) sets.
const PER_STEP_COLUMNS: [&str; 3] = ["last_seq", "last_activity_at", "last_seen_at"];

#[tokio::test]
async fn no_index_of_sessions_covers_a_column_each_step_changes() {
    let app = TestApp::spawn().await;
    // Every column an index of `sessions` uses: as a key (`indkey`), or in an expression or the
    // predicate (the index's dependencies on columns).
    let indexed: Vec<String> = sqlx::query_scalar(
        "WITH used AS ( \
           SELECT i.indrelid AS rel, k.attnum FROM pg_index i, unnest(i.indkey) AS k(attnum) \
           WHERE i.indrelid = 'sessions'::regclass \
           UNION \
           SELECT d.refobjid, d.refobjsubid FROM pg_index i \
           JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid \
             AND d.refobjid = i.indrelid AND d.refobjsubid > 0 \
           WHERE i.indrelid = 'sessions'::regclass) \
         SELECT DISTINCT a.attname::text FROM used \
         JOIN pg_attribute a ON a.attrelid = used.rel AND a.attnum = used.attnum ORDER BY 1",
    )
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    // Sanity: the catalogue query sees the columns the indexes are known to use.
    for expected in [
        "id",
        "project_id",
        "status",
        "activity_second",
        "seen_second",
    ] {
        assert!(
            indexed.iter().any(|c| c == expected),
            "{expected} in {indexed:?}"
        );
    }
    for column in PER_STEP_COLUMNS {
        assert!(
            !indexed.iter().any(|c| c == column),
            "{column} is indexed ({indexed:?}): every step's update of its session would add an \
             entry to every index of sessions"
        );
    }
}

async fn update_counts(app: &TestApp) -> (i64, i64) {
    sqlx::query_as(
        "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'sessions'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn steps_update_their_session_in_place() {
    const STEPS: i64 = 300;
    let app = TestApp::spawn_with(fast_limits).await;
    let mut erin = app.user("erin@example.com").await;
    let session = erin.start("hot").await;
    let (updates_before, hot_before) = update_counts(&app).await;
    let mut seqs = Vec::new();
    for i in 0..STEPS {
        let r = erin
            .agent
            .log_step(LogStepRequest {
                session_id: session.clone(),
                text: format!("step {i}"),
                request_id: rid(),
            })
            .await
            .expect("log step")
            .into_inner();
        seqs.push(r.seq);
    }
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "gap-free: {seqs:?}"
    );
    // A backend adds its statistics to the shared counters at the end of a transaction at most
    // once a second, else after 10 s idle: more steps meanwhile keep the backends flushing.
    let mut more = 0;
    let (updates, hot) = loop {
        let counts = update_counts(&app).await;
        if counts.0 >= updates_before + STEPS {
            break counts;
        }
        assert!(more < 600, "the steps' updates were never counted");
        more += 1;
        erin.step(&session, "more").await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let (updates, hot) = (updates - updates_before, hot - hot_before);
    // Not HOT: the update that crosses into a new second (its `*_second` columns change), one
    // that finds its page full, and whatever else touched sessions meanwhile (none here).
    assert!(
        hot * 10 >= updates * 9,
        "{hot} of {updates} session updates were HOT; expected nearly all"
    );
}
