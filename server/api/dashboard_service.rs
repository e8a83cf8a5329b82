//! DashboardService: what people call, authenticated by access token.

use std::pin::Pin;

use chrono::Utc;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::status::to_status;
use super::{AppState, beyond_the_end, caller, convert, feed_response, session_id};
use crate::auth::secrets::{DISPLAYED_KEY_CHARS, hash_secret, new_api_key};
use crate::domain::{AgentId, ApiKeyId, DomainError, QuestionId, Sender, UserCaller, validate};
use crate::feed::stream::{inbox_feed, session_feed};
use crate::proto::dashboard_service_server::DashboardService;
use crate::proto::*;
use crate::store::{
    AgentCursor, AnswerInput, ApiKeyCursor, MessageDirection, NewApiKey, SessionCursor,
    SessionFilter,
};

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
    #[tracing::instrument(skip_all, fields(rpc = "ListAgents"))]
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

    #[tracing::instrument(skip_all, fields(rpc = "ListSessions"))]
    async fn list_sessions(
        &self,
        request: Request<ListSessionsRequest>,
    ) -> Result<Response<ListSessionsResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let limit = validate::page_size(req.page_size)?;
        let mut filter = SessionFilter::default();
        if !req.agent_id.is_empty() {
            filter.agent_id = Some(AgentId(validate::uuid("agent_id", &req.agent_id)?));
        }
        for s in &req.statuses {
            filter
                .statuses
                .push(convert::status_from_pb("statuses", *s)?);
        }
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

    #[tracing::instrument(skip_all, fields(rpc = "GetSession"))]
    async fn get_session(
        &self,
        request: Request<GetSessionRequest>,
    ) -> Result<Response<GetSessionResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let id = session_id(&request.get_ref().session_id)?;
        let session = self.state.store.get_session(caller.user_id, id).await?;
        let open = self.state.store.open_questions(caller.user_id, id).await?;
        Ok(Response::new(GetSessionResponse {
            session: Some(convert::session(session)),
            open_questions: open.into_iter().map(convert::question).collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "ListMessages"))]
    async fn list_messages(
        &self,
        request: Request<ListMessagesRequest>,
    ) -> Result<Response<ListMessagesResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        let limit = validate::page_size(req.page_size)?;
        let direction = match ListDirection::try_from(req.direction) {
            Ok(ListDirection::Unspecified) | Ok(ListDirection::Forward) => {
                MessageDirection::Forward
            }
            Ok(ListDirection::Backward) => MessageDirection::Backward,
            Err(_) => {
                return Err(to_status(DomainError::invalid(
                    "direction",
                    "is not a known direction",
                )));
            }
        };
        if req.cursor_seq < 0 {
            return Err(to_status(DomainError::invalid(
                "cursor_seq",
                "must not be negative",
            )));
        }
        let scope = format!("messages:{id}:{direction:?}");
        let from = match self
            .state
            .page_tokens
            .decode::<i64>(&scope, &req.page_token)?
        {
            Some(seq) => Some(seq),
            None if req.cursor_seq > 0 => Some(req.cursor_seq),
            None => None,
        };
        let page = self
            .state
            .store
            .list_messages(caller.user_id, id, direction, from, limit)
            .await?;
        Ok(Response::new(ListMessagesResponse {
            messages: page.items.iter().map(convert::message).collect(),
            next_page_token: page
                .next
                .map(|c| self.state.page_tokens.encode(&scope, &c))
                .unwrap_or_default(),
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "GetDiff"))]
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

    #[tracing::instrument(skip_all, fields(rpc = "AnswerQuestion"))]
    async fn answer_question(
        &self,
        request: Request<AnswerQuestionRequest>,
    ) -> Result<Response<AnswerQuestionResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        let question_id = QuestionId(validate::uuid("question_id", &req.question_id)?);
        let input = AnswerInput {
            option_ids: req.option_ids,
            text: req.text,
            request_id: validate::optional_request_id(&req.request_id)?,
        };
        let (answer, seq) = self
            .state
            .store
            .answer_question(caller.user_id, id, question_id, input, Sender::User)
            .await?;
        tracing::info!(session_id = %id, %question_id, "question answered");
        Ok(Response::new(AnswerQuestionResponse {
            answer: Some(convert::answer(answer)),
            seq,
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "SendMessage"))]
    async fn send_message(
        &self,
        request: Request<SendMessageRequest>,
    ) -> Result<Response<SendMessageResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        let text = validate::required_text("text", &req.text, validate::MAX_TEXT_CHARS)?;
        let request_id = validate::optional_request_id(&req.request_id)?;
        let message = self
            .state
            .store
            .send_message(caller, id, text, request_id.as_deref())
            .await?;
        Ok(Response::new(SendMessageResponse {
            message: Some(convert::message(&message)),
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "StopSession"))]
    async fn stop_session(
        &self,
        request: Request<StopSessionRequest>,
    ) -> Result<Response<StopSessionResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        let reason = validate::optional_text("reason", &req.reason, validate::MAX_REASON_CHARS)?;
        let session = self
            .state
            .store
            .request_stop(caller.user_id, id, &reason)
            .await?;
        tracing::info!(session_id = %id, "stop requested");
        Ok(Response::new(StopSessionResponse {
            session: Some(convert::session(session)),
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "RenameSession"))]
    async fn rename_session(
        &self,
        request: Request<RenameSessionRequest>,
    ) -> Result<Response<RenameSessionResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        let name =
            validate::required_text("name", req.name.trim(), validate::MAX_SESSION_NAME_CHARS)?;
        let session = self
            .state
            .store
            .rename_session(caller.user_id, id, &name)
            .await?;
        Ok(Response::new(RenameSessionResponse {
            session: Some(convert::session(session)),
        }))
    }

    #[tracing::instrument(skip_all, fields(rpc = "DeleteSession"))]
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

    #[tracing::instrument(skip_all, fields(rpc = "CreateApiKey"))]
    async fn create_api_key(
        &self,
        request: Request<CreateApiKeyRequest>,
    ) -> Result<Response<CreateApiKeyResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let name = validate::required_text("name", req.name.trim(), validate::MAX_KEY_NAME_CHARS)?;
        let expires_at = match &req.expire_time {
            Some(t) => {
                let t = convert::from_ts("expire_time", t)?;
                if t <= Utc::now() {
                    return Err(to_status(DomainError::invalid(
                        "expire_time",
                        "must be in the future",
                    )));
                }
                Some(t)
            }
            None => None,
        };
        let secret = new_api_key();
        let key = NewApiKey {
            name,
            prefix: secret[..DISPLAYED_KEY_CHARS].to_owned(),
            hash: hash_secret(&secret),
            expires_at,
        };
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

    #[tracing::instrument(skip_all, fields(rpc = "ListApiKeys"))]
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

    #[tracing::instrument(skip_all, fields(rpc = "RevokeApiKey"))]
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

    #[tracing::instrument(skip_all, fields(rpc = "WatchSession"))]
    async fn watch_session(
        &self,
        request: Request<WatchSessionRequest>,
    ) -> Result<Response<Self::WatchSessionStream>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        if req.after_seq < 0 {
            return Err(to_status(DomainError::invalid(
                "after_seq",
                "must not be negative",
            )));
        }
        let session = self.state.store.get_session(caller.user_id, id).await?;
        beyond_the_end("after_seq", req.after_seq, session.last_seq)?;
        let feed = session_feed(
            self.state.store.clone(),
            self.state.hub.session(id),
            req.after_seq,
            |_| true,
            self.state.feed_config(),
            None,
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

    #[tracing::instrument(skip_all, fields(rpc = "WatchInbox"))]
    async fn watch_inbox(
        &self,
        request: Request<WatchInboxRequest>,
    ) -> Result<Response<Self::WatchInboxStream>, Status> {
        let caller: UserCaller = caller(&request)?;
        let after = request.get_ref().after_cursor;
        if after < 0 {
            return Err(to_status(DomainError::invalid(
                "after_cursor",
                "must not be negative",
            )));
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
