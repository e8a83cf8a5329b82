//! DashboardService: what people call, authenticated by access token.

use std::pin::Pin;

use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::requests::{self, session_id};
use super::{AppState, beyond_the_end, caller, convert, feed_response, session_to_resume};
use crate::auth::secrets::mint_api_key;
use crate::domain::{ApiKeyId, DomainError, Sender, UserCaller, validate};
use crate::feed::stream::{SessionView, inbox_feed, session_feed};
use crate::proto::dashboard_service_server::DashboardService;
use crate::proto::*;
use crate::store::{AgentCursor, ApiKeyCursor, ApprovalRef, SessionCursor, SessionFilter};

pub struct DashboardApi {
    state: AppState,
}

impl DashboardApi {
    pub fn new(state: AppState) -> DashboardApi {
        DashboardApi { state }
    }
}

type WatchSessionStream = Pin<Box<dyn Stream<Item = Result<WatchSessionResponse, Status>> + Send>>;
type WatchInboxStream = Pin<Box<dyn Stream<Item = Result<WatchInboxResponse, Status>> + Send>>;

#[tonic::async_trait]
impl DashboardService for DashboardApi {
    async fn list_agents(
        &self,
        request: Request<ListAgentsRequest>,
    ) -> Result<Response<ListAgentsResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let limit = validate::page_size(req.page_size)?;
        let after: Option<AgentCursor> =
            self.state.page_tokens.decode("agents", &req.page_token)?;
        let page = self
            .state
            .store
            .list_agents(caller.user_id, after, limit)
            .await?;
        Ok(Response::new(ListAgentsResponse {
            agents: page.items.into_iter().map(convert::agent).collect(),
            next_page_token: page
                .next
                .map(|c| self.state.page_tokens.encode("agents", &c))
                .unwrap_or_default(),
        }))
    }

    async fn list_sessions(
        &self,
        request: Request<ListSessionsRequest>,
    ) -> Result<Response<ListSessionsResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let limit = validate::page_size(req.page_size)?;
        let filter = SessionFilter::try_from(&req)?;
        let scope = format!("sessions:{}:{:?}", req.agent_id, req.statuses);
        let after: Option<SessionCursor> =
            self.state.page_tokens.decode(&scope, &req.page_token)?;
        // Read the cursor first: an event committed between the two reads is then replayed by
        // WatchInbox(after_cursor) rather than missed.
        let inbox_cursor = self.state.store.inbox_high_water(caller.user_id).await?;
        let page = self
            .state
            .store
            .list_sessions(caller.user_id, &filter, after, limit)
            .await?;
        Ok(Response::new(ListSessionsResponse {
            sessions: page.items.into_iter().map(convert::session).collect(),
            next_page_token: page
                .next
                .map(|c| self.state.page_tokens.encode(&scope, &c))
                .unwrap_or_default(),
            inbox_cursor,
        }))
    }

    async fn get_session(
        &self,
        request: Request<GetSessionRequest>,
    ) -> Result<Response<GetSessionResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let id = session_id(&request.get_ref().session_id)?;
        let session = self.state.store.get_session(caller.user_id, id).await?;
        let open = self.state.store.open_questions(caller.user_id, id).await?;
        let approvals = self.state.store.open_approvals(caller.user_id, id).await?;
        Ok(Response::new(GetSessionResponse {
            session: Some(convert::session(session)),
            open_questions: open.into_iter().map(convert::question).collect(),
            open_approvals: approvals.into_iter().map(convert::approval).collect(),
        }))
    }

    async fn list_messages(
        &self,
        request: Request<ListMessagesRequest>,
    ) -> Result<Response<ListMessagesResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let cmd = requests::ListMessages::try_from(&req)?;
        let scope = format!("messages:{}:{:?}", cmd.session, cmd.direction);
        let from = match self
            .state
            .page_tokens
            .decode::<i64>(&scope, &req.page_token)?
        {
            Some(seq) => Some(seq),
            None if cmd.cursor_seq > 0 => Some(cmd.cursor_seq),
            None => None,
        };
        let page = self
            .state
            .store
            .list_messages(caller.user_id, cmd.session, cmd.direction, from, cmd.limit)
            .await?;
        Ok(Response::new(ListMessagesResponse {
            messages: page.items.iter().map(convert::message).collect(),
            next_page_token: page
                .next
                .map(|c| self.state.page_tokens.encode(&scope, &c))
                .unwrap_or_default(),
        }))
    }

    async fn get_diff(
        &self,
        request: Request<GetDiffRequest>,
    ) -> Result<Response<GetDiffResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let id = session_id(&request.get_ref().session_id)?;
        let (diff, summary) = self.state.store.get_diff(caller.user_id, id).await?;
        Ok(Response::new(GetDiffResponse {
            diff,
            summary: summary.map(convert::diff_summary),
        }))
    }

    async fn answer_question(
        &self,
        request: Request<AnswerQuestionRequest>,
    ) -> Result<Response<AnswerQuestionResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let cmd = requests::AnswerQuestion::try_from(request.into_inner())?;
        let (answer, seq) = self
            .state
            .store
            .answer_question(
                caller.user_id,
                cmd.session,
                cmd.question,
                cmd.input,
                Sender::User,
            )
            .await?;
        tracing::info!(session_id = %cmd.session, question_id = %cmd.question, "question answered");
        Ok(Response::new(AnswerQuestionResponse {
            answer: Some(convert::answer(answer)),
            seq,
        }))
    }

    async fn decide_approval(
        &self,
        request: Request<DecideApprovalRequest>,
    ) -> Result<Response<DecideApprovalResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let cmd = requests::DecideApproval::try_from(request.into_inner())?;
        let decided = self
            .state
            .store
            .decide_approval(
                caller.user_id,
                cmd.session,
                ApprovalRef::Id(cmd.approval),
                cmd.decision,
                cmd.request_id.as_deref(),
                Sender::User,
            )
            .await?;
        tracing::info!(session_id = %cmd.session, approval_id = %cmd.approval, "approval decided");
        Ok(Response::new(DecideApprovalResponse {
            result: Some(convert::approval_result(decided.result)),
            seq: decided.seq,
        }))
    }

    async fn send_message(
        &self,
        request: Request<SendMessageRequest>,
    ) -> Result<Response<SendMessageResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let cmd = requests::SendMessage::try_from(request.into_inner())?;
        let message = self
            .state
            .store
            .send_message(caller, cmd.session, cmd.text, cmd.request_id.as_deref())
            .await?;
        Ok(Response::new(SendMessageResponse {
            message: Some(convert::message(&message)),
        }))
    }

    async fn stop_session(
        &self,
        request: Request<StopSessionRequest>,
    ) -> Result<Response<StopSessionResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let cmd = requests::StopSession::try_from(request.into_inner())?;
        let session = self
            .state
            .store
            .request_stop(caller.user_id, cmd.session, &cmd.reason)
            .await?;
        tracing::info!(session_id = %cmd.session, "stop requested");
        Ok(Response::new(StopSessionResponse {
            session: Some(convert::session(session)),
        }))
    }

    async fn rename_session(
        &self,
        request: Request<RenameSessionRequest>,
    ) -> Result<Response<RenameSessionResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let cmd = requests::RenameSession::try_from(request.into_inner())?;
        let session = self
            .state
            .store
            .rename_session(caller.user_id, cmd.session, &cmd.name)
            .await?;
        Ok(Response::new(RenameSessionResponse {
            session: Some(convert::session(session)),
        }))
    }

    async fn delete_session(
        &self,
        request: Request<DeleteSessionRequest>,
    ) -> Result<Response<DeleteSessionResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let id = session_id(&request.get_ref().session_id)?;
        self.state.store.delete_session(caller.user_id, id).await?;
        tracing::info!(session_id = %id, "session deleted");
        Ok(Response::new(DeleteSessionResponse {}))
    }

    async fn create_api_key(
        &self,
        request: Request<CreateApiKeyRequest>,
    ) -> Result<Response<CreateApiKeyResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let cmd = requests::CreateApiKey::try_from(request.into_inner())?;
        let (secret, key) = mint_api_key(cmd.name, cmd.expires_at);
        let max = self.state.settings.limits.max_api_keys_per_user;
        let created = self
            .state
            .store
            .create_api_key(caller.user_id, key, max)
            .await?;
        tracing::info!(api_key_id = %created.id, prefix = %created.prefix, "API key created");
        Ok(Response::new(CreateApiKeyResponse {
            api_key: Some(convert::api_key(created)),
            secret,
        }))
    }

    async fn list_api_keys(
        &self,
        request: Request<ListApiKeysRequest>,
    ) -> Result<Response<ListApiKeysResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let limit = validate::page_size(req.page_size)?;
        let scope = format!("keys:{}", req.include_revoked);
        let after: Option<ApiKeyCursor> = self.state.page_tokens.decode(&scope, &req.page_token)?;
        let page = self
            .state
            .store
            .list_api_keys(caller.user_id, req.include_revoked, after, limit)
            .await?;
        Ok(Response::new(ListApiKeysResponse {
            api_keys: page.items.into_iter().map(convert::api_key).collect(),
            next_page_token: page
                .next
                .map(|c| self.state.page_tokens.encode(&scope, &c))
                .unwrap_or_default(),
        }))
    }

    async fn revoke_api_key(
        &self,
        request: Request<RevokeApiKeyRequest>,
    ) -> Result<Response<RevokeApiKeyResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let key_id = ApiKeyId(validate::uuid("api_key_id", &request.get_ref().api_key_id)?);
        let key = self
            .state
            .store
            .revoke_api_key(caller.user_id, key_id)
            .await?;
        tracing::info!(api_key_id = %key_id, "API key revoked");
        Ok(Response::new(RevokeApiKeyResponse {
            api_key: Some(convert::api_key(key)),
        }))
    }

    type WatchSessionStream = WatchSessionStream;

    async fn watch_session(
        &self,
        request: Request<WatchSessionRequest>,
    ) -> Result<Response<Self::WatchSessionStream>, Status> {
        let caller: UserCaller = caller(&request)?;
        let cmd = requests::SessionFeed::try_from(request.into_inner())?;
        session_to_resume(&self.state, caller.user_id, &cmd).await?;
        let feed = session_feed(
            self.state.store.clone(),
            self.state.hub.session(cmd.session),
            cmd.after_seq,
            SessionView::Person,
            self.state.feed_config(),
        );
        Ok(Response::new(feed_response(
            feed,
            |m| WatchSessionResponse {
                item: Some(watch_session_response::Item::Message(convert::message(&m))),
            },
            |hb| WatchSessionResponse {
                item: Some(watch_session_response::Item::Heartbeat(hb)),
            },
        )))
    }

    type WatchInboxStream = WatchInboxStream;

    async fn watch_inbox(
        &self,
        request: Request<WatchInboxRequest>,
    ) -> Result<Response<Self::WatchInboxStream>, Status> {
        let caller: UserCaller = caller(&request)?;
        let after = request.get_ref().after_cursor;
        if after < 0 {
            return Err(DomainError::invalid("after_cursor", "must not be negative").into());
        }
        let high = self.state.store.inbox_high_water(caller.user_id).await?;
        beyond_the_end("after_cursor", after, high)?;
        let feed = inbox_feed(
            self.state.store.clone(),
            self.state.hub.inbox(caller.user_id),
            after,
            self.state.feed_config(),
        );
        Ok(Response::new(feed_response(
            feed,
            |e| WatchInboxResponse {
                item: Some(watch_inbox_response::Item::Event(convert::inbox_event(e))),
            },
            |hb| WatchInboxResponse {
                item: Some(watch_inbox_response::Item::Heartbeat(hb)),
            },
        )))
    }
}
