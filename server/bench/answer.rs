//! Scenario 2: answer latency. An agent asks, a person (a second client, signed in through
//! AuthService) answers; we time from the start of the AnswerQuestion call to the agent
//! receiving the answer, on its Subscribe stream and through WaitForAnswer. The baseline is a
//! health-check round trip on the person's connection.
//!
//! The WaitForAnswer round trips are also timed from AnswerQuestion *returning*, the figure
//! the Python and gRPC-Web agents are measured by too (`drivers.rs`).

use std::time::{Duration, Instant};

use switchboard::proto::{
    AnswerQuestionRequest, AskQuestionRequest, SubscribeRequest, SubscribeResponse,
    WaitForAnswerRequest, message, subscribe_response,
};
use tonic::Streaming;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use crate::client::{self, Agent, Dashboard};
use crate::floor::{Floor, InputWrite};
use crate::server::BoxError;
use crate::stats::Samples;

pub struct AnswerResult {
    pub via_subscribe: Samples,
    pub via_wait: Samples,
    pub via_wait_after_answer: AfterAnswer,
    /// The AnswerQuestion unary call itself.
    pub answer_call: Samples,
    /// The agent's AskQuestion unary call (the general path: one locking transaction).
    pub ask_call: Samples,
    pub health: Samples,
}

pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the person waits after the agent's WaitForAnswer call has started, so that the
/// call reaches the server and parks on the session's feed before the answer is stored.
pub const PARK: Duration = Duration::from_millis(5);

/// Time from AnswerQuestion returning to the person to the agent's WaitForAnswer returning.
/// The server answers both after the same commit, so the agent can be first: such a sample
/// counts as 0 and is counted in `early`.
pub struct AfterAnswer {
    pub latency: Samples,
    pub early: usize,
}

impl AfterAnswer {
    pub fn with_capacity(n: usize) -> AfterAnswer {
        AfterAnswer {
            latency: Samples::with_capacity(n),
            early: 0,
        }
    }

    /// `us`: the agent's stamp minus the person's; negative when the agent was first.
    pub fn push_us(&mut self, us: i64) {
        if us < 0 {
            self.early += 1;
        }
        self.latency.push_us(us.max(0) as u64);
    }
}

/// The bench's question: free text, no options.
pub fn ask_req(session: &str, i: usize) -> AskQuestionRequest {
    AskQuestionRequest {
        session_id: session.to_owned(),
        text: format!("bench question {i}: go ahead?"),
        request_id: client::request_id(),
        allow_free_text: true,
        ..Default::default()
    }
}

async fn ask(agent: &mut Agent, session: &str, i: usize) -> Result<String, BoxError> {
    let q = agent.ask_question(ask_req(session, i)).await?.into_inner();
    Ok(q.question.ok_or("AskQuestion returned no question")?.id)
}

pub fn answer_req(session: &str, question: &str) -> AnswerQuestionRequest {
    AnswerQuestionRequest {
        session_id: session.to_owned(),
        question_id: question.to_owned(),
        option_ids: vec![],
        text: "yes".into(),
        request_id: client::request_id(),
    }
}

/// Reads the subscription until `pred` matches an item.
async fn until(
    stream: &mut Streaming<SubscribeResponse>,
    pred: impl Fn(&message::Body) -> bool,
) -> Result<(), BoxError> {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let item = tokio::time::timeout(left, stream.message())
            .await
            .map_err(|_| "timed out waiting on the agent's subscription")??
            .ok_or("the agent's subscription ended")?;
        if let Some(subscribe_response::Item::Message(m)) = item.item {
            if m.body.as_ref().is_some_and(&pred) {
                return Ok(());
            }
        }
    }
}

pub async fn run(
    addr: &str,
    api_key: &str,
    access_token: &str,
    round_trips: usize,
    mut floor: Option<&mut Floor>,
    mut answer_write: Option<&mut InputWrite>,
) -> Result<AnswerResult, BoxError> {
    let mut agent = client::agent(client::connect(addr).await?, api_key)?;
    let person_channel = client::connect(addr).await?;
    let mut person: Dashboard = client::dashboard(person_channel.clone(), access_token)?;
    let mut health = HealthClient::new(person_channel);
    let (session, last_seq) =
        client::start_session(&mut agent, "bench-answer", "answer latency").await?;

    let mut result = AnswerResult {
        via_subscribe: Samples::with_capacity(round_trips),
        via_wait: Samples::with_capacity(round_trips),
        via_wait_after_answer: AfterAnswer::with_capacity(round_trips),
        answer_call: Samples::with_capacity(round_trips * 2),
        ask_call: Samples::with_capacity(round_trips * 2),
        health: Samples::with_capacity(round_trips),
    };

    // Subscribe: the answer is pushed on the agent's open stream.
    let mut stream = agent
        .subscribe(SubscribeRequest {
            session_id: session.clone(),
            after_seq: last_seq,
        })
        .await?
        .into_inner();
    for i in 0..round_trips {
        let asked = Instant::now();
        let qid = ask(&mut agent, &session, i).await?;
        result.ask_call.push(asked.elapsed());
        // The stream is quiet once the AWAITING_INPUT status change has arrived.
        until(&mut stream, |b| {
            matches!(b, message::Body::StatusChange(s) if s.to_status == switchboard::proto::SessionStatus::AwaitingInput as i32)
        })
        .await?;
        if let Some(floor) = floor.as_deref_mut() {
            floor.sample().await?;
        }
        if let Some(floor) = answer_write.as_deref_mut() {
            floor.sample().await?;
        }
        let t0 = Instant::now();
        let mut answering = person.clone();
        let req = answer_req(&session, &qid);
        let call = tokio::spawn(async move {
            let t = Instant::now();
            answering.answer_question(req).await.map(|_| t.elapsed())
        });
        until(
            &mut stream,
            |b| matches!(b, message::Body::Answer(a) if a.question_id == qid),
        )
        .await?;
        result.via_subscribe.push(t0.elapsed());
        result.answer_call.push(call.await??);
    }
    drop(stream);

    // WaitForAnswer: a parked unary call completes with the answer.
    for i in 0..round_trips {
        let asked = Instant::now();
        let qid = ask(&mut agent, &session, round_trips + i).await?;
        result.ask_call.push(asked.elapsed());
        let mut waiter = agent.clone();
        let req = WaitForAnswerRequest {
            session_id: session.clone(),
            question_id: qid.clone(),
            timeout: Some(prost_types::Duration {
                seconds: 10,
                nanos: 0,
            }),
        };
        let wait = tokio::spawn(async move {
            let r = waiter.wait_for_answer(req).await;
            (r, Instant::now())
        });
        tokio::time::sleep(PARK).await;
        if let Some(floor) = floor.as_deref_mut() {
            floor.sample().await?;
        }
        if let Some(floor) = answer_write.as_deref_mut() {
            floor.sample().await?;
        }
        let t0 = Instant::now();
        person.answer_question(answer_req(&session, &qid)).await?;
        let returned = Instant::now();
        result.answer_call.push(returned - t0);
        let (r, done) = tokio::time::timeout(STEP_TIMEOUT, wait)
            .await
            .map_err(|_| "WaitForAnswer timed out")??;
        let r = r?.into_inner();
        if !r.answered {
            return Err("WaitForAnswer returned without the answer".into());
        }
        result.via_wait.push(done.saturating_duration_since(t0));
        result
            .via_wait_after_answer
            .push_us(match done.checked_duration_since(returned) {
                Some(d) => d.as_micros() as i64,
                None => -((returned - done).as_micros() as i64),
            });
    }

    // Baseline: the cheapest unary round trip on the same connection.
    for _ in 0..round_trips.max(100) {
        let t0 = Instant::now();
        health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await?;
        result.health.push(t0.elapsed());
    }
    Ok(result)
}
