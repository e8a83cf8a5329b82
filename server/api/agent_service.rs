//! AgentService: what agents call, authenticated by API key.

use std::pin::Pin;
use std::time::Duration;

use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::status::to_status;
use super::{AppState, beyond_the_end, caller, convert, feed_response, session_id};
use crate::domain::validate::{self, NewQuestion};
use crate::domain::{
    self, AgentCaller, ChoiceMode, DomainError, QuestionId, QuestionOption, Usage, diff,
};
use crate::feed::stream::{Presence, session_feed};
use crate::proto::agent_service_server::AgentService;
use crate::proto::*;
use crate::store::{EndOutcome, StartSession};

const DEFAULT_WAIT: Duration = Duration::from_secs(60);
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

pub struct AgentApi {
    state: AppState,
}

impl AgentApi {
    pub fn new(state: AppState) -> AgentApi {
        AgentApi { state }
    }
}

/// The call's own deadline from the `grpc-timeout` header, if the client set one.
fn call_deadline<T>(request: &Request<T>) -> Option<Duration> {
    let raw = request.metadata().get("grpc-timeout")?.to_str().ok()?;
    let (num, unit) = raw.split_at(raw.len().checked_sub(1)?);
    let n: u64 = num.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

type SubscribeStream = Pin<Box<dyn Stream<Item = Result<SubscribeResponse, Status>> + Send>>;

#[tonic::async_trait]
impl AgentService for AgentApi {
    #[tracing::instrument(skip_all, fields(rpc = "StartSession"))]
    async fn start_session(
        &self,
        request: Request<StartSessionRequest>,
    ) -> Result<Response<StartSessionResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let req = request.into_inner();
        let cmd = StartSession {
            session_id: if req.session_id.is_empty() {
                None
            } else {
                Some(session_id(&req.session_id)?)
            },
            agent_name: validate::agent_name(&req.agent_name)?,
            name: Some(validate::optional_text(
                "name",
                req.name.trim(),
                validate::MAX_SESSION_NAME_CHARS,
            )?),
            metadata: validate::metadata(&req.metadata)?,
            request_id: validate::request_id(&req.request_id)?,
        };
        let started = self.state.store.start_session(caller, cmd).await?;
        tracing::info!(session_id = %started.session.id, resumed = started.resumed, "session started");
        Ok(Response::new(StartSessionResponse {
            session: Some(convert::session(started.session)),
            resumed: started.resumed,
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "LogStep"))]
    async fn log_step(
        &self,
        request: Request<LogStepRequest>,
    ) -> Result<Response<LogStepResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        let text = validate::required_text("text", &req.text, validate::MAX_TEXT_CHARS)?;
        let request_id = validate::request_id(&req.request_id)?;
        let r = self
            .state
            .store
            .log_step(caller, id, text, &request_id)
            .await?;
        Ok(Response::new(LogStepResponse {
            seq: r.seq,
            queued_messages: r.queued.iter().map(convert::message).collect(),
            status: convert::status(r.status) as i32,
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "AskQuestion"))]
    async fn ask_question(
        &self,
        request: Request<AskQuestionRequest>,
    ) -> Result<Response<AskQuestionResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        let request_id = validate::request_id(&req.request_id)?;
        let choice_mode = match ChoiceModeProto::try_from(req.choice_mode) {
            Ok(ChoiceModeProto::Unspecified) | Ok(ChoiceModeProto::Single) => ChoiceMode::Single,
            Ok(ChoiceModeProto::Multiple) => ChoiceMode::Multiple,
            Err(_) => {
                return Err(to_status(DomainError::invalid(
                    "choice_mode",
                    "is not a known choice mode",
                )));
            }
        };
        let question = NewQuestion {
            text: req.text,
            options: req
                .options
                .into_iter()
                .map(|o| QuestionOption {
                    id: o.id,
                    label: o.label,
                    description: o.description,
                })
                .collect(),
            choice_mode,
            allow_free_text: req.allow_free_text,
            timeout: req
                .timeout
                .as_ref()
                .map(|d| convert::duration("timeout", d))
                .transpose()?,
            default_option_ids: req.default_option_ids,
            default_text: req.default_text,
        }
        .validate()?;
        let (q, seq) = self
            .state
            .store
            .ask_question(caller, id, question, &request_id)
            .await?;
        tracing::info!(session_id = %id, question_id = %q.id, "question asked");
        Ok(Response::new(AskQuestionResponse {
            question: Some(convert::question(q)),
            seq,
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "WaitForAnswer"))]
    async fn wait_for_answer(
        &self,
        request: Request<WaitForAnswerRequest>,
    ) -> Result<Response<WaitForAnswerResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let deadline = call_deadline(&request);
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        let question_id = QuestionId(validate::uuid("question_id", &req.question_id)?);
        let mut wait = match &req.timeout {
            Some(d) => convert::duration("timeout", d)?.min(MAX_WAIT),
            None => DEFAULT_WAIT,
        };
        if let Some(d) = deadline {
            // Answer "not yet" just before the caller's own deadline rather than let it expire.
            wait = wait.min(d.saturating_sub(Duration::from_millis(100)));
        }
        let until = tokio::time::Instant::now() + wait;
        // Subscribe before the first read so that an answer committed in between wakes us.
        let channel = self.state.hub.session(id);
        let mut marks = channel.subscribe();
        let shutdown = self.state.shutdown.clone();
        let presence_every = self.state.settings.feed.presence_interval();
        let mut next_touch = tokio::time::Instant::now();
        loop {
            if tokio::time::Instant::now() >= next_touch {
                self.state.store.touch_session(caller.user_id, id).await?;
                next_touch = tokio::time::Instant::now() + presence_every;
            }
            let (answer, status) = self
                .state
                .store
                .question_answer(caller.user_id, id, question_id)
                .await?;
            if let Some(a) = answer {
                return Ok(Response::new(WaitForAnswerResponse {
                    answered: true,
                    answer: Some(convert::answer(a)),
                    status: convert::status(status) as i32,
                }));
            }
            // A stop request or the end of the session ends the wait at once: the agent must
            // react to it rather than keep waiting for an answer that will not come.
            if status.is_terminal()
                || status == domain::SessionStatus::Stopping
                || tokio::time::Instant::now() >= until
            {
                return Ok(Response::new(WaitForAnswerResponse {
                    answered: false,
                    answer: None,
                    status: convert::status(status) as i32,
                }));
            }
            tokio::select! {
                changed = marks.changed() => if changed.is_err() { return Err(Status::unavailable("feed closed; retry")) },
                _ = tokio::time::sleep_until(until) => {}
                _ = tokio::time::sleep_until(next_touch) => {}
                _ = shutdown.cancelled() => return Err(Status::unavailable("the server is shutting down; call again (any replica)")),
            }
        }
    }

    type SubscribeStream = SubscribeStream;

    #[tracing::instrument(skip_all, fields(rpc = "Subscribe"))]
    async fn subscribe(
        &self,
        request: Request<SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        if req.after_seq < 0 {
            return Err(to_status(DomainError::invalid(
                "after_seq",
                "must not be negative",
            )));
        }
        // Ownership check (also refuses deleted sessions) before streaming anything.
        let session = self.state.store.get_session(caller.user_id, id).await?;
        beyond_the_end("after_seq", req.after_seq, session.last_seq)?;
        if session.status.is_terminal() && req.after_seq >= session.last_seq {
            // Nothing left to deliver, and nothing will ever come: end at once, with OK.
            return Ok(Response::new(Box::pin(tokio_stream::empty())));
        }
        let presence = Presence {
            user_id: caller.user_id,
            every: self.state.settings.feed.presence_interval(),
        };
        let feed = session_feed(
            self.state.store.clone(),
            self.state.hub.session(id),
            req.after_seq,
            |m| m.body.is_for_agent(),
            self.state.feed_config(),
            Some(presence),
        );
        // Delivery does not mark a user message read: the agent acknowledges what it has seen
        // (AcknowledgeMessages), so a stream read only in part never loses one.
        let deliver = |m: std::sync::Arc<crate::domain::Message>| SubscribeResponse {
            item: Some(subscribe_response::Item::Message(convert::message(&m))),
        };
        let stream = feed_response(feed, deliver, |hb| SubscribeResponse {
            item: Some(subscribe_response::Item::Heartbeat(hb)),
        });
        Ok(Response::new(Box::pin(UntilTerminal {
            inner: stream,
            done: false,
        })))
    }

    #[tracing::instrument(skip_all, fields(rpc = "Heartbeat"))]
    async fn heartbeat(
        &self,
        request: Request<HeartbeatRequest>,
    ) -> Result<Response<HeartbeatResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let id = session_id(&request.get_ref().session_id)?;
        let (status, unread) = self.state.store.heartbeat(caller, id).await?;
        Ok(Response::new(HeartbeatResponse {
            status: convert::status(status) as i32,
            unread_message_count: unread,
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "AcknowledgeMessages"))]
    async fn acknowledge_messages(
        &self,
        request: Request<AcknowledgeMessagesRequest>,
    ) -> Result<Response<AcknowledgeMessagesResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        if req.through_seq < 0 {
            return Err(to_status(DomainError::invalid(
                "through_seq",
                "must not be negative",
            )));
        }
        let (read_through_seq, unread_message_count) = self
            .state
            .store
            .acknowledge_messages(caller.user_id, id, req.through_seq)
            .await?;
        Ok(Response::new(AcknowledgeMessagesResponse {
            read_through_seq,
            unread_message_count,
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "ReportDiff"))]
    async fn report_diff(
        &self,
        request: Request<ReportDiffRequest>,
    ) -> Result<Response<ReportDiffResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        let request_id = validate::request_id(&req.request_id)?;
        let counts = diff::analyze(&req.diff, self.state.settings.limits.max_diff_bytes)?;
        let (seq, summary) = self
            .state
            .store
            .report_diff(caller, id, req.diff, counts, &request_id)
            .await?;
        Ok(Response::new(ReportDiffResponse {
            seq,
            summary: Some(convert::diff_summary(summary)),
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "ReportUsage"))]
    async fn report_usage(
        &self,
        request: Request<ReportUsageRequest>,
    ) -> Result<Response<ReportUsageResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        let request_id = validate::request_id(&req.request_id)?;
        let u = req
            .usage
            .ok_or_else(|| to_status(DomainError::invalid("usage", "is required")))?;
        for (field, v) in [
            ("usage.input_tokens", u.input_tokens),
            ("usage.output_tokens", u.output_tokens),
            ("usage.cost_micros", u.cost_micros),
        ] {
            if v < 0 {
                return Err(to_status(DomainError::invalid(
                    field,
                    "must not be negative",
                )));
            }
        }
        let usage = Usage {
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            cost_micros: u.cost_micros,
        };
        let seq = self
            .state
            .store
            .report_usage(caller, id, usage, &request_id)
            .await?;
        Ok(Response::new(ReportUsageResponse { seq }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "EndSession"))]
    async fn end_session(
        &self,
        request: Request<EndSessionRequest>,
    ) -> Result<Response<EndSessionResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        let request_id = validate::request_id(&req.request_id)?;
        let outcome = match SessionOutcome::try_from(req.outcome) {
            Ok(SessionOutcome::Completed) => EndOutcome::Completed,
            Ok(SessionOutcome::Failed) => EndOutcome::Failed,
            _ => {
                return Err(to_status(DomainError::invalid(
                    "outcome",
                    "is required: COMPLETED or FAILED",
                )));
            }
        };
        let summary = validate::optional_text("summary", &req.summary, validate::MAX_TEXT_CHARS)?;
        let session = self
            .state
            .store
            .end_session(caller, id, outcome, &summary, &request_id)
            .await?;
        tracing::info!(session_id = %id, status = session.status.name(), "session ended");
        Ok(Response::new(EndSessionResponse {
            session: Some(convert::session(session)),
        }))
    }
}

use crate::proto::ChoiceMode as ChoiceModeProto;

/// Ends the agent's subscription (with OK) right after it delivers the change to a terminal
/// status: nothing more can happen in that session.
struct UntilTerminal<S> {
    inner: S,
    done: bool,
}

impl<S> Stream for UntilTerminal<S>
where
    S: Stream<Item = Result<SubscribeResponse, Status>> + Unpin,
{
    type Item = Result<SubscribeResponse, Status>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if self.done {
            return std::task::Poll::Ready(None);
        }
        let next = std::task::ready!(Pin::new(&mut self.inner).poll_next(cx));
        if let Some(Ok(SubscribeResponse {
            item: Some(subscribe_response::Item::Message(m)),
        })) = &next
        {
            if let Some(message::Body::StatusChange(change)) = &m.body {
                let terminal = [
                    SessionStatus::Completed,
                    SessionStatus::Failed,
                    SessionStatus::Stopped,
                ];
                if terminal.iter().any(|s| *s as i32 == change.to_status) {
                    self.done = true;
                }
            }
        }
        std::task::Poll::Ready(next)
    }
}
