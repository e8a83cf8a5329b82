//! AgentService: what agents call, authenticated by API key.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::encoded_feed::{EncodedStream, encoded_session_feed};
use super::requests::{self, session_id};
use super::{AppState, caller, convert, feed_response, session_to_resume};
use crate::domain::{AgentCaller, diff};
use crate::feed::hub::FeedMessage;
use crate::feed::stream::{SessionFeed, SessionView, session_feed};
use crate::feed::wait::{AnswerWait, ApprovalWait, wait_for_answer, wait_for_approval, wait_time};
use crate::proto::agent_service_server::AgentService;
use crate::proto::*;
use crate::store::{Decider, StartSession};

pub struct AgentApi {
    state: AppState,
}

impl AgentApi {
    /// Subscribe's feed; `None` when the session has ended and the caller has seen everything
    /// (the stream ends at once, with OK).
    async fn subscribe_feed(
        &self,
        request: Request<SubscribeRequest>,
    ) -> Result<Option<SessionFeed>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let cmd = requests::SessionFeed::try_from(request.into_inner())?;
        caller.may_act_on(cmd.session)?;
        let session = session_to_resume(&self.state, caller.project_id, &cmd).await?;
        if session.status.is_terminal() && cmd.after_seq >= session.last_seq {
            // Nothing left to deliver, and nothing will ever come.
            return Ok(None);
        }
        let view = SessionView::Agent {
            project_id: caller.project_id,
            presence_every: self.state.settings.feed.presence_interval(),
        };
        // Delivery does not mark a user message read: the agent acknowledges what it has seen
        // (AcknowledgeMessages), so a stream read only in part never loses one.
        Ok(Some(session_feed(
            self.state.store.clone(),
            self.state.hub.session(cmd.session),
            cmd.after_seq,
            view,
            self.state.feed_config(),
        )))
    }

    /// Subscribe as served (`encoded_feed`): each message's encoding shared with the session's
    /// other streams.
    pub async fn subscribe_encoded(
        &self,
        request: Request<SubscribeRequest>,
    ) -> Result<Response<EncodedStream>, Status> {
        Ok(Response::new(match self.subscribe_feed(request).await? {
            Some(feed) => encoded_session_feed(feed, ()),
            None => EncodedStream::empty(),
        }))
    }
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
    async fn start_session(
        &self,
        request: Request<StartSessionRequest>,
    ) -> Result<Response<StartSessionResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let cmd = StartSession::try_from(request.into_inner())?;
        caller.may_start(cmd.session_id)?;
        let started = self.state.store.start_session(caller, cmd).await?;
        tracing::info!(session_id = %started.session.id, resumed = started.resumed, "session started");
        Ok(Response::new(StartSessionResponse {
            session: Some(convert::session(started.session)),
            resumed: started.resumed,
        }))
    }

    async fn log_step(
        &self,
        request: Request<LogStepRequest>,
    ) -> Result<Response<LogStepResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let cmd = requests::LogStep::try_from(request.into_inner())?;
        caller.may_act_on(cmd.session)?;
        let r = self
            .state
            .store
            .log_step(caller, cmd.session, cmd.text, &cmd.request_id)
            .await?;
        Ok(Response::new(LogStepResponse {
            seq: r.seq,
            queued_messages: r.queued.iter().map(convert::message).collect(),
            status: convert::status(r.status) as i32,
        }))
    }

    async fn ask_question(
        &self,
        request: Request<AskQuestionRequest>,
    ) -> Result<Response<AskQuestionResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let cmd = requests::AskQuestion::try_from(request.into_inner())?;
        caller.may_act_on(cmd.session)?;
        let (q, seq) = self
            .state
            .store
            .ask_question(caller, cmd.session, cmd.question, &cmd.request_id)
            .await?;
        tracing::info!(session_id = %cmd.session, question_id = %q.id, "question asked");
        Ok(Response::new(AskQuestionResponse {
            question: Some(convert::question(q)),
            seq,
        }))
    }

    async fn wait_for_answer(
        &self,
        request: Request<WaitForAnswerRequest>,
    ) -> Result<Response<WaitForAnswerResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let deadline = call_deadline(&request);
        let cmd = requests::WaitForAnswer::try_from(request.into_inner())?;
        caller.may_act_on(cmd.session)?;
        let wait = AnswerWait {
            project_id: caller.project_id,
            question: cmd.question,
            wait: wait_time(cmd.timeout, deadline),
            presence_every: self.state.settings.feed.presence_interval(),
        };
        let channel = self.state.hub.session(cmd.session);
        let (answer, status) =
            wait_for_answer(&self.state.store, channel, wait, &self.state.shutdown).await?;
        Ok(Response::new(WaitForAnswerResponse {
            answered: answer.is_some(),
            answer: answer.map(convert::answer),
            status: convert::status(status) as i32,
        }))
    }

    type SubscribeStream = SubscribeStream;

    async fn subscribe(
        &self,
        request: Request<SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let Some(feed) = self.subscribe_feed(request).await? else {
            return Ok(Response::new(Box::pin(tokio_stream::empty())));
        };
        Ok(Response::new(feed_response(
            feed,
            |m: Arc<FeedMessage>| SubscribeResponse {
                item: Some(subscribe_response::Item::Message(convert::message(&m))),
            },
            |hb| SubscribeResponse {
                item: Some(subscribe_response::Item::Heartbeat(hb)),
            },
        )))
    }

    async fn heartbeat(
        &self,
        request: Request<HeartbeatRequest>,
    ) -> Result<Response<HeartbeatResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let id = session_id(&request.get_ref().session_id)?;
        caller.may_act_on(id)?;
        let (status, unread) = self.state.store.heartbeat(caller, id).await?;
        Ok(Response::new(HeartbeatResponse {
            status: convert::status(status) as i32,
            unread_message_count: unread,
        }))
    }

    async fn acknowledge_messages(
        &self,
        request: Request<AcknowledgeMessagesRequest>,
    ) -> Result<Response<AcknowledgeMessagesResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let cmd = requests::Acknowledge::try_from(request.into_inner())?;
        caller.may_act_on(cmd.session)?;
        let (read_through_seq, unread_message_count) = self
            .state
            .store
            .acknowledge_messages(caller.project_id, cmd.session, cmd.through_seq)
            .await?;
        Ok(Response::new(AcknowledgeMessagesResponse {
            read_through_seq,
            unread_message_count,
        }))
    }

    async fn report_diff(
        &self,
        request: Request<ReportDiffRequest>,
    ) -> Result<Response<ReportDiffResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let cmd = requests::ReportDiff::try_from(request.into_inner())?;
        caller.may_act_on(cmd.session)?;
        let counts = diff::analyze(&cmd.diff, self.state.settings.limits.max_diff_bytes)?;
        let (seq, summary) = self
            .state
            .store
            .report_diff(caller, cmd.session, cmd.diff, counts, &cmd.request_id)
            .await?;
        Ok(Response::new(ReportDiffResponse {
            seq,
            summary: Some(convert::diff_summary(summary)),
        }))
    }

    async fn report_usage(
        &self,
        request: Request<ReportUsageRequest>,
    ) -> Result<Response<ReportUsageResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let cmd = requests::ReportUsage::try_from(request.into_inner())?;
        caller.may_act_on(cmd.session)?;
        let seq = self
            .state
            .store
            .report_usage(caller, cmd.session, cmd.usage, &cmd.request_id)
            .await?;
        Ok(Response::new(ReportUsageResponse { seq }))
    }

    async fn request_approval(
        &self,
        request: Request<RequestApprovalRequest>,
    ) -> Result<Response<RequestApprovalResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let cmd = requests::RequestApproval::try_from(request.into_inner())?;
        caller.may_act_on(cmd.session)?;
        let (approval, seq) = self
            .state
            .store
            .request_approval(caller, cmd.session, cmd.approval, &cmd.request_id)
            .await?;
        tracing::info!(
            session_id = %cmd.session,
            approval_id = %approval.id,
            tool = %approval.tool_name,
            decided_by_rule = approval.result.is_some(),
            "approval requested"
        );
        Ok(Response::new(RequestApprovalResponse {
            approval: Some(convert::approval(approval)),
            seq,
        }))
    }

    async fn wait_for_approval(
        &self,
        request: Request<WaitForApprovalRequest>,
    ) -> Result<Response<WaitForApprovalResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let deadline = call_deadline(&request);
        let cmd = requests::WaitForApproval::try_from(request.into_inner())?;
        caller.may_act_on(cmd.session)?;
        let wait = ApprovalWait {
            project_id: caller.project_id,
            approval: cmd.approval,
            wait: wait_time(cmd.timeout, deadline),
            presence_every: self.state.settings.feed.presence_interval(),
        };
        let channel = self.state.hub.session(cmd.session);
        let (result, status) =
            wait_for_approval(&self.state.store, channel, wait, &self.state.shutdown).await?;
        Ok(Response::new(WaitForApprovalResponse {
            decided: result.is_some(),
            result: result.map(convert::approval_result),
            status: convert::status(status) as i32,
        }))
    }

    async fn resolve_approval(
        &self,
        request: Request<ResolveApprovalRequest>,
    ) -> Result<Response<ResolveApprovalResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let cmd = requests::ResolveApproval::try_from(request.into_inner())?;
        caller.may_act_on(cmd.session)?;
        let decided = self
            .state
            .store
            .decide_approval(
                Decider::Agent(caller.project_id),
                cmd.session,
                cmd.approval,
                cmd.decision,
                Some(&cmd.request_id),
            )
            .await?;
        tracing::info!(
            session_id = %cmd.session,
            approval_id = %decided.result.approval_id,
            applied = decided.applied,
            "approval resolved by the agent"
        );
        Ok(Response::new(ResolveApprovalResponse {
            result: Some(convert::approval_result(decided.result)),
            applied: decided.applied,
        }))
    }

    async fn end_session(
        &self,
        request: Request<EndSessionRequest>,
    ) -> Result<Response<EndSessionResponse>, Status> {
        let caller: AgentCaller = caller(&request)?;
        let cmd = requests::EndSession::try_from(request.into_inner())?;
        caller.may_act_on(cmd.session)?;
        let session = self
            .state
            .store
            .end_session(
                caller,
                cmd.session,
                cmd.outcome,
                &cmd.summary,
                &cmd.request_id,
            )
            .await?;
        tracing::info!(session_id = %cmd.session, status = session.status.name(), "session ended");
        Ok(Response::new(EndSessionResponse {
            session: Some(convert::session(session)),
        }))
    }
}
