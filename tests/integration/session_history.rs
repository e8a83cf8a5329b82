//! A session's history and its edits: ListMessages forward and backward, RenameSession,
//! DeleteSession.

use switchboard::proto::*;
use tonic::Code;

use crate::harness::*;
use crate::reads::*;

pub async fn list_messages(
    user: &mut TestUser,
    session_id: &str,
    direction: ListDirection,
    cursor_seq: i64,
    page_size: i32,
    page_token: &str,
) -> Result<ListMessagesResponse, tonic::Status> {
    user.dashboard
        .list_messages(ListMessagesRequest {
            session_id: session_id.into(),
            direction: direction as i32,
            cursor_seq,
            page_size,
            page_token: page_token.into(),
        })
        .await
        .map(|r| r.into_inner())
}

pub fn seqs(r: &ListMessagesResponse) -> Vec<i64> {
    r.messages.iter().map(|m| m.seq).collect()
}

#[tokio::test]
async fn list_messages_pages_forward_and_backward() {
    use ListDirection::{Backward, Forward, Unspecified};
    let app = TestApp::spawn().await;
    let mut user = app.user("messages@example.com").await;
    let session = user.start("pager").await;
    for i in 1..=23 {
        assert_eq!(user.step(&session, &format!("step {i}")).await.seq, i);
    }

    // FORWARD (and the default) from the start.
    for direction in [Forward, Unspecified] {
        let mut token = String::new();
        let mut pages = Vec::new();
        loop {
            let page = list_messages(&mut user, &session, direction, 0, 10, &token)
                .await
                .unwrap();
            pages.push(seqs(&page));
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        assert_eq!(
            pages,
            [
                (1..=10).collect::<Vec<_>>(),
                (11..=20).collect(),
                (21..=23).collect()
            ]
        );
    }
    let first = list_messages(&mut user, &session, Forward, 0, 1, "")
        .await
        .unwrap();
    let m = &first.messages[0];
    assert_eq!(m.session_id, session);
    assert_eq!(m.sender, Sender::Agent as i32);
    assert!(m.create_time.is_some());
    match &m.body {
        Some(message::Body::Step(s)) => assert_eq!(s.text, "step 1"),
        other => panic!("{other:?}"),
    }

    // A phone: the newest page first, then scrolling back while new messages arrive.
    let newest = list_messages(&mut user, &session, Backward, 0, 10, "")
        .await
        .unwrap();
    assert_eq!(seqs(&newest), (14..=23).rev().collect::<Vec<_>>());
    for i in 24..=30 {
        user.step(&session, &format!("step {i}")).await;
    }
    let older = list_messages(
        &mut user,
        &session,
        Backward,
        0,
        10,
        &newest.next_page_token,
    )
    .await
    .unwrap();
    assert_eq!(seqs(&older), (4..=13).rev().collect::<Vec<_>>());
    let oldest = list_messages(&mut user, &session, Backward, 0, 10, &older.next_page_token)
        .await
        .unwrap();
    assert_eq!(seqs(&oldest), [3, 2, 1]);
    assert!(oldest.next_page_token.is_empty());
    // ... and catches up forward from the newest it had.
    let fresh = list_messages(&mut user, &session, Forward, 23, 0, "")
        .await
        .unwrap();
    assert_eq!(seqs(&fresh), (24..=30).collect::<Vec<_>>());
    assert!(fresh.next_page_token.is_empty());

    // cursor_seq on the first page: FORWARD after it, BACKWARD before it.
    let after = list_messages(&mut user, &session, Forward, 5, 3, "")
        .await
        .unwrap();
    assert_eq!(seqs(&after), [6, 7, 8]);
    let before = list_messages(&mut user, &session, Backward, 5, 10, "")
        .await
        .unwrap();
    assert_eq!(seqs(&before), [4, 3, 2, 1]);
    assert!(before.next_page_token.is_empty());
    // A token overrides cursor_seq.
    let next = list_messages(&mut user, &session, Forward, 1, 3, &after.next_page_token)
        .await
        .unwrap();
    assert_eq!(seqs(&next), [9, 10, 11]);
    // Past the end: nothing, and no token.
    let end = list_messages(&mut user, &session, Forward, 30, 0, "")
        .await
        .unwrap();
    assert!(end.messages.is_empty() && end.next_page_token.is_empty());

    // A token reused with other filters is refused.
    let other_session = user.start("pager").await;
    user.step(&other_session, "elsewhere").await;
    let r = list_messages(&mut user, &session, Backward, 0, 3, &after.next_page_token).await;
    assert_eq!(code(r), Code::InvalidArgument, "other direction");
    let r = list_messages(
        &mut user,
        &other_session,
        Forward,
        0,
        3,
        &after.next_page_token,
    )
    .await;
    assert_eq!(code(r), Code::InvalidArgument, "other session");
    let r = list_messages(&mut user, &session, Forward, 0, 3, "garbage").await;
    assert_eq!(code(r), Code::InvalidArgument);
    let r = list_messages(&mut user, &session, Forward, -1, 3, "").await;
    assert_eq!(code(r), Code::InvalidArgument);
    let r = user
        .dashboard
        .list_messages(ListMessagesRequest {
            session_id: session.clone(),
            direction: 7,
            ..Default::default()
        })
        .await;
    assert_eq!(code(r), Code::InvalidArgument);

    // Every kind of message comes back with its body.
    let q = user.ask(&other_session, "Pick", &["a"]).await;
    choose(&mut user.dashboard, &other_session, &q.id, "a").await;
    user.dashboard
        .send_message(SendMessageRequest {
            session_id: other_session.clone(),
            text: "hi agent".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let all = list_messages(&mut user, &other_session, Forward, 0, 500, "")
        .await
        .unwrap();
    let kinds: Vec<(i32, &str)> = all
        .messages
        .iter()
        .map(|m| {
            (
                m.sender,
                match &m.body {
                    Some(message::Body::Step(_)) => "step",
                    Some(message::Body::Question(_)) => "question",
                    Some(message::Body::Answer(_)) => "answer",
                    Some(message::Body::UserMessage(_)) => "user_message",
                    Some(message::Body::StatusChange(_)) => "status_change",
                    other => panic!("{other:?}"),
                },
            )
        })
        .collect();
    let (agent, person) = (Sender::Agent as i32, Sender::User as i32);
    assert_eq!(
        kinds,
        [
            (agent, "step"),
            (agent, "question"),
            (agent, "status_change"),
            (person, "answer"),
            (person, "status_change"),
            (person, "user_message"),
        ]
    );
}

#[tokio::test]
async fn rename_session_changes_the_name_everywhere() {
    let app = TestApp::spawn().await;
    let mut user = app.user("rename@example.com").await;
    let session = user.start("renamer").await;
    let renamed = user
        .dashboard
        .rename_session(RenameSessionRequest {
            session_id: session.clone(),
            name: "  Nightly refactor  ".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(renamed.name, "Nightly refactor");
    let got = user
        .dashboard
        .get_session(GetSessionRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(got.name, "Nightly refactor");
    let listed = all_sessions(&mut user, "", &[], 0).await;
    assert_eq!(listed[0].name, "Nightly refactor");
    for bad in ["", "   ", &"n".repeat(201)] {
        let r = user
            .dashboard
            .rename_session(RenameSessionRequest {
                session_id: session.clone(),
                name: bad.to_string(),
            })
            .await;
        assert_eq!(code(r), Code::InvalidArgument);
    }
    let r = user
        .dashboard
        .rename_session(RenameSessionRequest {
            session_id: uuid::Uuid::new_v4().to_string(),
            name: "x".into(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
}

#[tokio::test]
async fn delete_session_removes_it_and_its_messages() {
    let app = TestApp::spawn().await;
    let mut user = app.user("delete@example.com").await;
    let session = user.start("deleter").await;
    let keep = user.start("deleter").await;
    for i in 0..5 {
        user.step(&session, &format!("step {i}")).await;
    }
    user.ask(&session, "Still there?", &[]).await;
    user.dashboard
        .delete_session(DeleteSessionRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE session_id = $1")
        .bind(uuid::Uuid::parse_str(&session).unwrap())
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "the messages are gone");
    let r = list_messages(&mut user, &session, ListDirection::Forward, 0, 0, "").await;
    assert_eq!(code(r), Code::NotFound);
    let r = user
        .dashboard
        .get_session(GetSessionRequest {
            session_id: session.clone(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
    let r = user
        .dashboard
        .get_diff(GetDiffRequest {
            session_id: session.clone(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
    assert_eq!(ids(&all_sessions(&mut user, "", &[], 0).await), [keep]);
    // The agent still writing to it learns it is gone.
    let r = user
        .agent
        .log_step(LogStepRequest {
            session_id: session.clone(),
            text: "anyone?".into(),
            request_id: uuid::Uuid::new_v4().to_string(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
    let r = user
        .agent
        .heartbeat(HeartbeatRequest {
            session_id: session.clone(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
    // Deleting again: NOT_FOUND.
    let r = user
        .dashboard
        .delete_session(DeleteSessionRequest {
            session_id: session.clone(),
        })
        .await;
    assert_eq!(code(r), Code::NotFound);
    let agents = user
        .dashboard
        .list_agents(ListAgentsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .agents;
    assert_eq!(
        counts(&agents[0]),
        [(SessionStatus::Active, 1)],
        "the deleted session no longer counts"
    );
}
