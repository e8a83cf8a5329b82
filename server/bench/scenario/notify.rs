//! Scenario "notify" (issue 15): time from AskQuestion to the email being accepted by an SMTP
//! server, next to a health-check round trip, and how many emails a burst of questions in one
//! session sends (coalescing: must be 1). The SMTP server is this tool's own (`SmtpSink`): it
//! accepts everything and notes when each message's data ended; the server under test sends to
//! it through its ordinary email channel (`notify.smtp`, see `main::server_env`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard::proto::notification_service_client::NotificationServiceClient;
use switchboard::proto::{AskQuestionRequest, CreateEmailChannelRequest, NotificationEvent};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use super::{Plan, Target};
use crate::client;
use crate::report::{P3, Report};
use crate::server::BoxError;
use crate::stats::Samples;

/// A minimal SMTP server: enough of RFC 5321 for one client that sends plain mail (EHLO, MAIL,
/// RCPT, DATA, RSET, NOOP, QUIT). Records when each message was accepted.
pub struct SmtpSink {
    pub port: u16,
    accepted: Arc<Mutex<Vec<Instant>>>,
}

impl SmtpSink {
    pub async fn start() -> Result<SmtpSink, BoxError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let accepted: Arc<Mutex<Vec<Instant>>> = Default::default();
        let log = accepted.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, log).await;
                });
            }
        });
        Ok(SmtpSink { port, accepted })
    }

    pub async fn count(&self) -> usize {
        self.accepted.lock().await.len()
    }

    /// When message `i` (0-based) was accepted, waiting for it up to `wait`.
    async fn accepted_at(&self, i: usize, wait: Duration) -> Result<Instant, BoxError> {
        let until = Instant::now() + wait;
        loop {
            if let Some(t) = self.accepted.lock().await.get(i) {
                return Ok(*t);
            }
            if Instant::now() > until {
                return Err(format!("email {} not accepted within {wait:?}", i + 1).into());
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
}

async fn serve(
    stream: tokio::net::TcpStream,
    log: Arc<Mutex<Vec<Instant>>>,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 bench-smtp ESMTP\r\n").await?;
    let mut in_data = false;
    while let Some(line) = lines.next_line().await? {
        if in_data {
            if line == "." {
                log.lock().await.push(Instant::now());
                in_data = false;
                write.write_all(b"250 accepted\r\n").await?;
            }
            continue;
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 bench-smtp\r\n",
            "DATA" => {
                in_data = true;
                b"354 end with <CRLF>.<CRLF>\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"250 ok\r\n",
        };
        write.write_all(reply).await?;
    }
    Ok(())
}

pub async fn scenario_notify(
    plan: &Plan,
    t: &Target,
    token: &str,
    sink: &SmtpSink,
    report: &mut Report,
) -> Result<(), BoxError> {
    let n = plan.answer_round_trips.min(200);
    eprintln!("  notify: {n} questions, each in its own session, to an email channel");
    let channel = client::connect(&t.addr).await?;
    let mut notify =
        NotificationServiceClient::with_interceptor(channel.clone(), client::bearer(token)?);
    notify
        .create_email_channel(CreateEmailChannelRequest {
            address: String::new(),
            events: vec![NotificationEvent::QuestionAsked as i32],
            escalate_after: None,
        })
        .await?;
    let mut agent = client::agent(client::connect(&t.addr).await?, &t.api_key)?;
    let mut health = HealthClient::new(channel);
    let mut latency = Samples::with_capacity(n);
    let mut checks = Samples::with_capacity(n);
    let wait = Duration::from_secs(30);
    let before = sink.count().await;
    for i in 0..n {
        // A session per question: nothing coalesces, each question is one email.
        let (session, _) = client::start_session(&mut agent, "bench-notify", "notify").await?;
        let started = Instant::now();
        agent
            .ask_question(AskQuestionRequest {
                session_id: session,
                text: format!("bench question {i}?"),
                request_id: uuid::Uuid::new_v4().to_string(),
                ..Default::default()
            })
            .await?;
        let accepted = sink.accepted_at(before + i, wait).await?;
        latency.push(accepted.saturating_duration_since(started));
        let t0 = Instant::now();
        health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await?;
        checks.push(t0.elapsed());
    }
    report.latency(
        "notify",
        &format!("AskQuestion sent -> email accepted by SMTP, n={n}"),
        &mut latency,
        Some(&mut checks),
        "health check",
        P3,
    );

    // A burst in one session: the first question is sent at once, the rest coalesce into one
    // pending notification that says how many (sent a window later, outside this run).
    let burst = 20;
    let (session, _) = client::start_session(&mut agent, "bench-notify", "burst").await?;
    let before = sink.count().await;
    for i in 0..burst {
        agent
            .ask_question(AskQuestionRequest {
                session_id: session.clone(),
                text: format!("burst question {i}?"),
                request_id: uuid::Uuid::new_v4().to_string(),
                ..Default::default()
            })
            .await?;
    }
    sink.accepted_at(before, wait).await?;
    // Whatever else the burst would send goes within this wait (the worker is woken by each
    // commit); coalesced questions wait for the window, so nothing more is expected.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sent = sink.count().await - before;
    report.row(
        "notify",
        &format!("burst of {burst} questions in one session"),
        "emails sent within 2 s",
        "",
        sent as f64,
        Some(1.0),
        "expected",
    );
    if sent != 1 {
        report.failures.push(format!(
            "notify: a burst of {burst} questions sent {sent} emails, not 1"
        ));
    }
    Ok(())
}
