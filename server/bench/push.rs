//! `--only push` (issue 15): how long after an agent's AskQuestion its web push leaves the
//! server, and how many pushes a burst of questions makes.
//!
//! A push service stand-in in this process (a bare HTTP/1.1 listener on loopback, answering
//! 201) is subscribed as a web push channel of the bench user. Each sample starts a fresh
//! session (coalescing is per session) and asks one question; the time runs from just before
//! the AskQuestion call to the first byte of the push request arriving at the stand-in, so it
//! holds the call itself (the commit happens inside it), the worker's wake-up, reading the
//! question, minting the action token, the encryption and VAPID signature, and loopback. The
//! AskQuestion call alone stands next to it as the baseline. The stand-in does not decrypt
//! (the integration tests do); it only times.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use switchboard::proto::notification_service_client::NotificationServiceClient;
use switchboard::proto::{
    AddPushSubscriptionRequest, AskQuestionRequest, DeleteChannelRequest, NotificationEvent,
    QuestionOption,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::client;
use crate::report::{PMAX, Report};
use crate::scenario::{Plan, Target};
use crate::server::BoxError;
use crate::stats::Samples;

/// Questions in the burst (one session, back to back).
const BURST: usize = 20;
/// How long after the burst's first push further ones are waited for.
const BURST_GRACE: Duration = Duration::from_secs(2);

/// Accepts push requests on loopback; sends the arrival time of each request's first byte.
async fn stand_in() -> Result<(u16, mpsc::UnboundedReceiver<Instant>), BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::with_capacity(8192);
                let mut chunk = [0u8; 8192];
                loop {
                    // One request: headers, then Content-Length bytes (the client keeps the
                    // connection for the next).
                    let mut first = None;
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => {
                                first.get_or_insert_with(Instant::now);
                                buf.extend_from_slice(&chunk[..n]);
                            }
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + length {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..head_end + length);
                    let _ = tx.send(first.unwrap_or_else(Instant::now));
                    if stream
                        .write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    Ok((port, rx))
}

fn question(session: &str, i: usize) -> AskQuestionRequest {
    AskQuestionRequest {
        session_id: session.to_owned(),
        text: format!("Deploy build {i}?"),
        options: ["yes", "no"]
            .into_iter()
            .map(|o| QuestionOption {
                id: o.into(),
                label: o.into(),
                description: String::new(),
            })
            .collect(),
        request_id: client::request_id(),
        ..Default::default()
    }
}

pub async fn scenario_push(
    plan: &Plan,
    t: &Target,
    token: &str,
    report: &mut Report,
) -> Result<(), BoxError> {
    let samples = plan.answer_round_trips.clamp(5, 300);
    eprintln!("  push: {samples} questions, one session each, then a burst of {BURST}");
    let (port, mut arrivals) = stand_in().await?;
    let channel = client::connect(&t.addr).await?;
    let mut agent = client::agent(channel.clone(), &t.api_key)?;
    let mut notify = NotificationServiceClient::with_interceptor(channel, client::bearer(token)?);
    // A browser's key: any P-256 point (the stand-in does not decrypt).
    let browser_key = ring::agreement::EphemeralPrivateKey::generate(
        &ring::agreement::ECDH_P256,
        &ring::rand::SystemRandom::new(),
    )
    .and_then(|k| k.compute_public_key())
    .map_err(|_| "generating a P-256 key failed")?;
    let push_channel = notify
        .add_push_subscription(AddPushSubscriptionRequest {
            endpoint: format!("http://127.0.0.1:{port}/push/bench"),
            p256dh: URL_SAFE_NO_PAD.encode(browser_key.as_ref()),
            auth: URL_SAFE_NO_PAD.encode([7u8; 16]),
            events: vec![NotificationEvent::QuestionAsked as i32],
            label: "switchboard-bench".into(),
        })
        .await?
        .into_inner()
        .channel
        .ok_or("AddPushSubscription returned no channel")?;

    let mut to_push = Samples::with_capacity(samples);
    let mut ask_call = Samples::with_capacity(samples);
    // One untimed round first: the server reads (or makes) its VAPID key on first use.
    for i in 0..=samples {
        let (session, _) = client::start_session(&mut agent, "bench-push", "push latency").await?;
        let started = Instant::now();
        agent.ask_question(question(&session, i)).await?;
        let asked = started.elapsed();
        let arrived = tokio::time::timeout(Duration::from_secs(30), arrivals.recv())
            .await
            .map_err(|_| format!("no push within 30 s of question {i}"))?
            .ok_or("the stand-in stopped")?;
        if i > 0 {
            to_push.push(arrived.saturating_duration_since(started));
            ask_call.push(asked);
        }
    }

    // A burst: BURST questions in one session become one push (coalesced until the window
    // after it has passed).
    let (session, _) = client::start_session(&mut agent, "bench-push", "push burst").await?;
    for i in 0..BURST {
        agent.ask_question(question(&session, i)).await?;
    }
    tokio::time::timeout(Duration::from_secs(30), arrivals.recv())
        .await
        .map_err(|_| "no push within 30 s of the burst")?
        .ok_or("the stand-in stopped")?;
    tokio::time::sleep(BURST_GRACE).await;
    let mut pushes = 1;
    while arrivals.try_recv().is_ok() {
        pushes += 1;
    }
    notify
        .delete_channel(DeleteChannelRequest {
            channel_id: push_channel.id,
        })
        .await?;

    report.latency(
        "15 push",
        &format!("AskQuestion sent → push arrives, n={samples}"),
        &mut to_push,
        Some(&mut ask_call),
        "AskQuestion call",
        PMAX,
    );
    report.row(
        "15 push",
        &format!("{BURST} questions in one session"),
        "pushes within 2 s",
        "",
        pushes as f64,
        Some(1.0),
        "expected",
    );
    if pushes != 1 {
        report.failures.push(format!(
            "push: a burst of {BURST} questions made {pushes} pushes, not 1"
        ));
    }
    Ok(())
}
