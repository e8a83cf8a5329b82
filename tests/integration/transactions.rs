//! The store's transactions run on connections it keeps beside the pool and hands back only
//! once committed (`server/store/tx.rs`). A transaction refused midway (the general path's
//! checks run after BEGIN) must not leave its connection in a transaction for the next caller:
//! writes after it are committed, seen from another connection, and no backend stays idle in a
//! transaction.

use std::time::Duration;

use switchboard::proto::*;
use tonic::Code;

use crate::harness::*;

#[tokio::test]
async fn a_transaction_refused_midway_leaves_no_connection_in_a_transaction() {
    let app = TestApp::spawn().await;
    let mut lee = app.user("lee@example.com").await;
    let session = lee.start("refusals").await;
    let first = lee.ask(&session, "first?", &["a", "b"]).await;
    choose(&mut lee.dashboard, &session, &first.id, "a").await;
    // Each second answer fails the one-statement way, then is refused by the locking way inside
    // its transaction, after the session's lock was taken.
    for _ in 0..10 {
        let twice = lee
            .dashboard
            .answer_question(AnswerQuestionRequest {
                session_id: session.clone(),
                question_id: first.id.clone(),
                option_ids: vec!["b".into()],
                text: String::new(),
                request_id: String::new(),
            })
            .await
            .unwrap_err();
        assert_eq!(
            twice.code(),
            Code::FailedPrecondition,
            "{}",
            twice.message()
        );
    }
    // Transactions after them (a question asked takes one) commit, and so do single statements.
    let second = lee.ask(&session, "second?", &["c", "d"]).await;
    let answered = choose(&mut lee.dashboard, &session, &second.id, "d").await;
    let steps = [
        lee.step(&session, "after 1").await.seq,
        lee.step(&session, "after 2").await.seq,
    ];
    assert!(
        steps[0] > answered.seq && steps[1] == steps[0] + 1,
        "{steps:?}"
    );
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT spec->>'text' FROM questions WHERE session_id = $1::uuid ORDER BY seq",
    )
    .bind(&session)
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    assert_eq!(stored, ["first?", "second?"]);
    // A connection dropped with its transaction open is rolled back by the pool's test of it,
    // in a task of its own: wait for that, then no backend of this database is still in one.
    let mut in_transaction = i64::MAX;
    for _ in 0..100 {
        in_transaction = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
        )
        .fetch_one(app.store.pool())
        .await
        .unwrap();
        if in_transaction == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        in_transaction, 0,
        "a backend was left idle in a transaction"
    );
}
