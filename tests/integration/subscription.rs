//! The agent's Subscribe stream: live delivery with resume, acknowledgements (delivery is not
//! reading), the end of the stream, resume positions beyond the end.

use std::time::Duration;

use switchboard::proto::*;
use tonic::Code;

use crate::harness::*;

#[tokio::test]
async fn the_subscription_delivers_messages_answers_and_stop_requests_live_and_resumes() {
    let app = TestApp::spawn_with(|s| s.sessions.stop_grace_secs = 600).await;
    let mut dave = app.user("dave@example.com").await;
    let session = dave.start("n8n").await;
    let mut sub = dave
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let q = dave.ask(&session, "continue?", &["yes", "no"]).await;
    dave.dashboard
        .send_message(SendMessageRequest {
            session_id: session.clone(),
            text: "hello agent".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    choose(&mut dave.dashboard, &session, &q.id, "yes").await;
    dave.dashboard
        .stop_session(StopSessionRequest {
            session_id: session.clone(),
            reason: "enough".into(),
        })
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut last_seq = 0;
    while seen.len() < 5 {
        let item = tokio::time::timeout(Duration::from_secs(10), sub.message())
            .await
            .expect("live item")
            .unwrap()
            .unwrap();
        if let Some(subscribe_response::Item::Message(m)) = item.item {
            assert!(m.seq > last_seq, "in order");
            last_seq = m.seq;
            seen.push(m.body.unwrap());
        }
    }
    // status AWAITING_INPUT, user message, answer, status ACTIVE, status STOPPING (steps and
    // questions are the agent's own and are not echoed back).
    assert!(
        matches!(&seen[1], message::Body::UserMessage(u) if u.text == "hello agent"),
        "{seen:?}"
    );
    assert!(
        matches!(&seen[2], message::Body::Answer(a) if a.option_ids == ["yes"]),
        "{seen:?}"
    );
    assert!(
        matches!(&seen[4], message::Body::StatusChange(c) if c.to_status == SessionStatus::Stopping as i32 && c.reason == "enough"),
        "{seen:?}"
    );
    // The stop request is also visible on the next write.
    assert_eq!(
        dave.step(&session, "wrapping up").await.status,
        SessionStatus::Stopping as i32
    );

    // Resume after a dropped stream from the last seq: only what came after.
    drop(sub);
    dave.dashboard
        .send_message(SendMessageRequest {
            session_id: session.clone(),
            text: "after drop".into(),
            request_id: String::new(),
        })
        .await
        .unwrap();
    let mut resumed = dave
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: last_seq,
        })
        .await
        .unwrap()
        .into_inner();
    loop {
        let item = resumed.message().await.unwrap().unwrap();
        if let Some(subscribe_response::Item::Message(m)) = item.item {
            assert!(
                matches!(m.body, Some(message::Body::UserMessage(ref u)) if u.text == "after drop"),
                "{m:?}"
            );
            break;
        }
    }
    let ended = dave
        .agent
        .end_session(EndSessionRequest {
            session_id: session.clone(),
            outcome: SessionOutcome::Completed as i32,
            summary: String::new(),
            request_id: rid(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        ended.session.unwrap().status,
        SessionStatus::Stopped as i32,
        "ending a stopping session stops it"
    );
}

/// Issue 11: a stream a client reads only in part (the helpers watch for a stop during `ask`)
/// must not make a message disappear. Delivery on Subscribe leaves a message unread; only
/// AcknowledgeMessages (or LogStep returning it) marks it read.
#[tokio::test]
async fn a_message_delivered_on_the_subscription_stays_queued_until_acknowledged() {
    let app = TestApp::spawn().await;
    let mut val = app.user("val@example.com").await;
    let session = val.start("listener").await;
    let mut sub = val
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let send = |text: &str| {
        let mut dashboard = val.dashboard.clone();
        let req = SendMessageRequest {
            session_id: session.clone(),
            text: text.into(),
            request_id: String::new(),
        };
        async move {
            dashboard
                .send_message(req)
                .await
                .unwrap()
                .into_inner()
                .message
                .unwrap()
                .seq
        }
    };
    let first = send("seen on the stream only").await;
    loop {
        let item = sub.message().await.unwrap().unwrap();
        if let Some(subscribe_response::Item::Message(m)) = item.item {
            assert!(matches!(m.body, Some(message::Body::UserMessage(_))));
            assert_eq!(m.seq, first);
            break;
        }
    }
    let mut agent = val.agent.clone();
    let unread = agent
        .heartbeat(HeartbeatRequest {
            session_id: session.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .unread_message_count;
    assert_eq!(unread, 1, "written to a stream is not read");
    let stepper = agent.clone();
    let step = |text: &str| {
        let mut agent = stepper.clone();
        let req = LogStepRequest {
            session_id: session.clone(),
            text: text.into(),
            request_id: rid(),
        };
        async move { agent.log_step(req).await.unwrap().into_inner() }
    };
    let texts = |r: &LogStepResponse| -> Vec<String> {
        r.queued_messages
            .iter()
            .map(|m| match &m.body {
                Some(message::Body::UserMessage(u)) => u.text.clone(),
                other => panic!("not a user message: {other:?}"),
            })
            .collect()
    };
    assert_eq!(
        texts(&step("one").await),
        vec!["seen on the stream only".to_string()],
        "the next step still delivers it"
    );

    // Acknowledged after the stream delivered it: the step does not return it again.
    let second = send("acknowledged").await;
    let acked = agent
        .acknowledge_messages(AcknowledgeMessagesRequest {
            session_id: session.clone(),
            through_seq: second,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(acked.read_through_seq, second);
    assert_eq!(acked.unread_message_count, 0);
    assert!(texts(&step("two").await).is_empty(), "acknowledged");

    // Monotonic: a lower position changes nothing.
    let again = agent
        .acknowledge_messages(AcknowledgeMessagesRequest {
            session_id: session.clone(),
            through_seq: 1,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(again.read_through_seq >= second);

    // Bounds and tenancy.
    for (through_seq, code) in [
        (-1, Code::InvalidArgument),
        (1_000_000, Code::InvalidArgument),
    ] {
        let err = agent
            .acknowledge_messages(AcknowledgeMessagesRequest {
                session_id: session.clone(),
                through_seq,
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{through_seq}: {err:?}");
        assert!(err.message().contains("through_seq"), "{}", err.message());
    }
    let stranger = app.user("wil@example.com").await;
    let err = stranger
        .agent
        .clone()
        .acknowledge_messages(AcknowledgeMessagesRequest {
            session_id: session.clone(),
            through_seq: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn the_subscription_ends_with_ok_when_the_session_ends() {
    let app = TestApp::spawn().await;
    let mut wes = app.user("wes@example.com").await;
    let session = wes.start("finisher").await;
    let mut sub = wes
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let ended = wes
        .agent
        .end_session(EndSessionRequest {
            session_id: session.clone(),
            outcome: SessionOutcome::Failed as i32,
            summary: "gave up".into(),
            request_id: rid(),
        })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    let mut last = None;
    while let Some(item) = tokio::time::timeout(Duration::from_secs(10), sub.message())
        .await
        .expect("the stream ends by itself")
        .expect("and with OK")
    {
        last = item.item;
    }
    assert!(
        matches!(&last, Some(subscribe_response::Item::Message(m)) if matches!(&m.body, Some(message::Body::StatusChange(c)) if c.to_status == SessionStatus::Failed as i32)),
        "the terminal status change is the last item: {last:?}"
    );
    // Subscribing afterwards: nothing left after the last seq → ends at once; from 0 → replay, then end.
    let mut late = wes
        .agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: ended.last_seq,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(late.message().await.unwrap().is_none());
    let mut replay = wes
        .agent
        .subscribe(SubscribeRequest {
            session_id: session,
            after_seq: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let mut n = 0;
    while replay.message().await.unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 1, "only the terminal status change is for the agent");
}

#[tokio::test]
async fn resuming_beyond_the_end_of_a_feed_is_refused() {
    let app = TestApp::spawn().await;
    let mut ada = app.user("ada@example.com").await;
    let session = ada.start("resumer").await;
    let last = ada.step(&session, "one").await.seq;
    let watch = ada
        .dashboard
        .watch_session(WatchSessionRequest {
            session_id: session.clone(),
            after_seq: last + 5,
        })
        .await
        .unwrap_err();
    assert_eq!(watch.code(), Code::InvalidArgument);
    assert!(
        watch.message().starts_with("after_seq"),
        "{}",
        watch.message()
    );
    let sub = ada
        .agent
        .subscribe(SubscribeRequest {
            session_id: session,
            after_seq: last + 1,
        })
        .await
        .unwrap_err();
    assert_eq!(sub.code(), Code::InvalidArgument);
    let inbox = ada
        .dashboard
        .watch_inbox(WatchInboxRequest {
            after_cursor: 1_000,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(inbox.code(), Code::InvalidArgument);
    // Exactly at the end is fine: nothing to replay, then live.
    let fresh = ada.start("other").await;
    ada.dashboard
        .watch_session(WatchSessionRequest {
            session_id: fresh,
            after_seq: 0,
        })
        .await
        .expect("after_seq 0 on an empty session");
}
