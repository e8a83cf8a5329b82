//! The client library against a live server. Ignored in plain `cargo test` (it needs a server);
//! clients/rust/test.sh runs it under scripts/with-server.sh with `--ignored`.

use switchboard_agent::client::{Client, WaitOutcome};
use switchboard_agent::proto::v1 as pb;
use tonic::Code;

fn client() -> Client {
    Client::from_env().expect("run through scripts/with-server.sh clients/rust/test.sh")
}

fn start(agent: &str, request_id: &str) -> pb::StartSessionRequest {
    pb::StartSessionRequest {
        agent_name: agent.into(),
        request_id: request_id.into(),
        ..Default::default()
    }
}

#[tokio::test]
#[ignore = "needs a live server: scripts/with-server.sh clients/rust/test.sh"]
async fn session_lifecycle_through_the_library() {
    let client = client();
    let agent = format!("rust-live-{}", &uuid::Uuid::new_v4().to_string()[..8]);
    let request_id = uuid::Uuid::new_v4().to_string();

    // The same request id (what a retry sends) returns the first session.
    let first = client
        .start_session(start(&agent, &request_id))
        .await
        .unwrap();
    let again = client
        .start_session(start(&agent, &request_id))
        .await
        .unwrap();
    assert_eq!(first.id(), again.id());
    assert!(!first.resumed() && again.resumed());

    let step = first.log_step("first step").await.unwrap();
    assert!(step.queued_messages.is_empty());
    assert_eq!(step.status(), pb::SessionStatus::Active);

    // Acknowledging is monotonic; beyond the newest seq is the caller's mistake.
    let ack = first.acknowledge(step.seq).await.unwrap();
    assert_eq!(
        (ack.read_through_seq, ack.unread_message_count),
        (step.seq, 0)
    );
    let beyond = first.acknowledge(step.seq + 1000).await.unwrap_err();
    assert_eq!(beyond.code(), Some(Code::InvalidArgument));

    // Ask-and-wait: nobody answers, so the deadline's default arrives on the push path.
    let (question, outcome) = first
        .ask_and_wait(pb::AskQuestionRequest {
            text: "Proceed?".into(),
            options: vec![
                pb::QuestionOption {
                    id: "yes".into(),
                    label: "Yes".into(),
                    ..Default::default()
                },
                pb::QuestionOption {
                    id: "no".into(),
                    label: "No".into(),
                    ..Default::default()
                },
            ],
            timeout: Some(prost_types::Duration {
                seconds: 1,
                nanos: 0,
            }),
            default_option_ids: vec!["no".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let WaitOutcome::Answered(answer) = outcome else {
        panic!("expected the default answer, got {outcome:?}");
    };
    assert_eq!(answer.question_id, question.id);
    assert_eq!(answer.option_ids, ["no"]);
    assert_eq!(answer.answered_by(), pb::Sender::System);

    assert_eq!(
        first.heartbeat().await.unwrap().status(),
        pb::SessionStatus::Active
    );
    let ended = first
        .end(pb::SessionOutcome::Completed, "done")
        .await
        .unwrap();
    assert_eq!(ended.status(), pb::SessionStatus::Completed);
    // An answered question's wait returns the stored answer, also after the end.
    assert_eq!(
        first.wait_for_answer(&question.id).await.unwrap(),
        WaitOutcome::Answered(answer)
    );
    let after = first.log_step("too late").await.unwrap_err();
    assert_eq!(after.code(), Some(Code::FailedPrecondition));
}

#[tokio::test]
#[ignore = "needs a live server: scripts/with-server.sh clients/rust/test.sh"]
async fn a_bad_key_is_unauthenticated_and_not_retried() {
    let mut config = switchboard_agent::client::Config::from_env().unwrap();
    config.api_key = "not-a-key".into();
    let client = Client::connect_lazy(&config).unwrap();
    let err = client
        .start_session(start("rust-live", "r1"))
        .await
        .err()
        .unwrap();
    assert_eq!(err.code(), Some(Code::Unauthenticated));
}

/// The TLS-only server of `scripts/with-server.sh --tls` (certificate from a CA made for the run):
/// trusted through `ca_file`, refused with a wrong CA or the system's roots.
#[tokio::test]
#[ignore = "needs a live server: scripts/with-server.sh --tls clients/rust/test.sh"]
async fn https_with_a_private_ca_and_untrusted_servers_refused() {
    use std::path::PathBuf;
    use switchboard_agent::client::{Config, RetryPolicy};
    let Ok(url) = std::env::var("SWITCHBOARD_TLS_URL") else {
        panic!("run through scripts/with-server.sh --tls clients/rust/test.sh");
    };
    let config = |ca_file: Option<PathBuf>| Config {
        url: url.clone(),
        api_key: std::env::var("SWITCHBOARD_TLS_API_KEY").unwrap(),
        ca_file,
    };
    let run_ca = std::env::var("SWITCHBOARD_TLS_CA_FILE").unwrap().into();
    let trusted = Client::connect_lazy(&config(Some(run_ca))).unwrap();
    let session = trusted
        .start_session(start("rust-tls", &uuid::Uuid::new_v4().to_string()))
        .await
        .unwrap();
    session.log_step("encrypted step").await.unwrap();
    session
        .end(pb::SessionOutcome::Completed, "done")
        .await
        .unwrap();

    let wrong_ca = std::env::var("SWITCHBOARD_TLS_WRONG_CA").unwrap().into();
    for ca_file in [Some(wrong_ca), None] {
        let once = RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        };
        let untrusted = Client::connect_lazy(&config(ca_file.clone()))
            .unwrap()
            .with_retry(once);
        let Err(refused) = untrusted
            .start_session(start("rust-tls", &uuid::Uuid::new_v4().to_string()))
            .await
        else {
            panic!("{ca_file:?}: an untrusted certificate was accepted");
        };
        assert_eq!(
            refused.code(),
            Some(Code::Unavailable),
            "{ca_file:?}: {refused}"
        );
    }
}
