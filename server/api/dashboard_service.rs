//! DashboardService: what people call, authenticated by access token.

use std::pin::Pin;

use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::encoded_feed::{EncodedStream, encoded_session_feed};
use super::requests::{self, session_id};
use super::{AppState, beyond_the_end, caller, convert, feed_response, session_to_resume};
use crate::auth::secrets::mint_api_key;
use crate::domain::{ApiKeyId, DomainError, ProjectId, Role, UserCaller, validate};
use crate::feed::stream::{SessionFeed, SessionView, inbox_feed, session_feed};
use crate::notify::presence::PresenceGuard;
use crate::proto::dashboard_service_server::DashboardService;
use crate::proto::*;
use crate::store::access::{self, Actor, Scope};
use crate::store::{
    AgentCursor, ApiKeyCursor, ApprovalRef, Decider, SessionCursor, SessionFilter, SessionSet,
};

/// The project a request names, or the caller's personal project when it names none (so that
/// clients from before projects see no difference).
pub(crate) fn project_or_personal(
    caller: &UserCaller,
    value: &str,
) -> Result<ProjectId, DomainError> {
    if value.is_empty() {
        return Ok(caller.user_id.personal_project());
    }
    Ok(ProjectId(validate::uuid("project_id", value)?))
}

pub struct DashboardApi {
    state: AppState,
}

impl DashboardApi {
    pub fn new(state: AppState) -> DashboardApi {
        DashboardApi { state }
    }

    /// WatchSession's feed, and the presence guard that must live as long as it: the person
    /// counts as watching (their notifications about this session are suppressed) meanwhile.
    async fn watch_session_feed(
        &self,
        request: Request<WatchSessionRequest>,
    ) -> Result<(SessionFeed, PresenceGuard), Status> {
        let caller: UserCaller = caller(&request)?;
        let cmd = requests::SessionFeed::try_from(request.into_inner())?;
        let read = Scope::person(caller.user_id, Role::View);
        session_to_resume(&self.state, read, &cmd).await?;
        let session = cmd.session;
        let config = self
            .state
            .person_feed_config(caller.user_id, move |store| async move {
                match store.get_session(read, session).await {
                    Ok(_) => Ok(()),
                    // Deleted while watched (the access re-check can run before the feed sees
                    // the delete): NOT_FOUND, as for any watcher of a deleted session.
                    Err(DomainError::NotFound(_))
                        if store.session_high_water(session).await?.is_none() =>
                    {
                        Err(DomainError::NotFoundExplained(
                            "the session was deleted".into(),
                        ))
                    }
                    Err(e) => Err(e),
                }
            });
        let feed = session_feed(
            self.state.store.clone(),
            self.state.hub.session(cmd.session),
            cmd.after_seq,
            SessionView::Person,
            config,
        );
        let watching = self.state.presence.watch(caller.user_id, session).await;
        Ok((feed, watching))
    }

    /// WatchSession as served (`encoded_feed`): each message's encoding shared with the
    /// session's other streams.
    pub async fn watch_session_encoded(
        &self,
        request: Request<WatchSessionRequest>,
    ) -> Result<Response<EncodedStream>, Status> {
        let (feed, watching) = self.watch_session_feed(request).await?;
        Ok(Response::new(encoded_session_feed(feed, watching)))
    }

    async fn require_project(
        &self,
        caller: &UserCaller,
        project: ProjectId,
        needs: Role,
    ) -> Result<(), Status> {
        let mut conn = self
            .state
            .store
            .pool()
            .acquire()
            .await
            .map_err(crate::store::map_sqlx_error)?;
        access::require_project(&mut conn, caller.user_id, project, needs).await?;
        Ok(())
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
        let project = project_or_personal(&caller, &req.project_id)?;
        let scope = format!("agents:{}", project);
        let after: Option<AgentCursor> = self.state.page_tokens.decode(&scope, &req.page_token)?;
        self.require_project(&caller, project, Role::View).await?;
        let page = self.state.store.list_agents(project, after, limit).await?;
        Ok(Response::new(ListAgentsResponse {
            agents: page.items.into_iter().map(convert::agent).collect(),
            next_page_token: page
                .next
                .map(|c| self.state.page_tokens.encode(&scope, &c))
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
        if req.shared_with_me && !req.project_id.is_empty() {
            return Err(DomainError::invalid(
                "project_id",
                "must be empty with shared_with_me (shared sessions come from other projects)",
            )
            .into());
        }
        let project = project_or_personal(&caller, &req.project_id)?;
        let set = if req.shared_with_me {
            SessionSet::SharedWith(caller.user_id)
        } else {
            SessionSet::Project(project)
        };
        let scope = format!(
            "sessions:{}:{:?}:{}:{}",
            req.agent_id, req.statuses, project, req.shared_with_me
        );
        let after: Option<SessionCursor> =
            self.state.page_tokens.decode(&scope, &req.page_token)?;
        // Read the cursor first: an event committed between the two reads is then replayed by
        // WatchInbox(after_cursor) rather than missed.
        let inbox_cursor = match set {
            SessionSet::Project(p) => {
                self.require_project(&caller, p, Role::View).await?;
                self.state.store.inbox_high_water(p).await?
            }
            // Shared sessions are in other projects' inboxes, not watchable as one.
            SessionSet::SharedWith(_) => 0,
        };
        let page = self
            .state
            .store
            .list_sessions(set, &filter, after, limit)
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
        let read = Scope::person(caller.user_id, Role::View);
        let session = self.state.store.get_session(read, id).await?;
        let open = self.state.store.open_questions(read, id).await?;
        let approvals = self.state.store.open_approvals(read, id).await?;
        let role = self.state.store.session_role(caller.user_id, id).await?;
        Ok(Response::new(GetSessionResponse {
            session: Some(convert::session(session)),
            open_questions: open.into_iter().map(convert::question).collect(),
            open_approvals: approvals.into_iter().map(convert::approval).collect(),
            caller_role: super::project_service::role_pb(role) as i32,
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
            .list_messages(
                Scope::person(caller.user_id, Role::View),
                cmd.session,
                cmd.direction,
                from,
                cmd.limit,
            )
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
        let read = Scope::person(caller.user_id, Role::View);
        let (diff, summary) = self.state.store.get_diff(read, id).await?;
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
            .answer_question(Actor::Person(caller), cmd.session, cmd.question, cmd.input)
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
                Decider::Person(caller),
                cmd.session,
                ApprovalRef::Id(cmd.approval),
                cmd.decision,
                cmd.request_id.as_deref(),
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
            .request_stop(caller, cmd.session, &cmd.reason)
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
            .rename_session(caller, cmd.session, &cmd.name)
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
        self.state.store.delete_session(caller, id).await?;
        tracing::info!(session_id = %id, "session deleted");
        Ok(Response::new(DeleteSessionResponse {}))
    }

    async fn create_api_key(
        &self,
        request: Request<CreateApiKeyRequest>,
    ) -> Result<Response<CreateApiKeyResponse>, Status> {
        let caller: UserCaller = caller(&request)?;
        let req = request.into_inner();
        let project_field = req.project_id.clone();
        let cmd = requests::CreateApiKey::try_from(req)?;
        let project = project_or_personal(&caller, &project_field)?;
        let (secret, key) = mint_api_key(cmd.name, cmd.expires_at);
        let max = self.state.settings.limits.max_api_keys_per_user;
        let created = self
            .state
            .store
            .create_api_key(caller, project, key, max)
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
        let project = project_or_personal(&caller, &req.project_id)?;
        let scope = format!("keys:{}:{}", req.include_revoked, project);
        let after: Option<ApiKeyCursor> = self.state.page_tokens.decode(&scope, &req.page_token)?;
        let page = self
            .state
            .store
            .list_api_keys(caller.user_id, project, req.include_revoked, after, limit)
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
        let key = self.state.store.revoke_api_key(caller, key_id).await?;
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
        let (feed, watching) = self.watch_session_feed(request).await?;
        Ok(Response::new(feed_response(
            feed,
            move |m| {
                let _ = &watching;
                WatchSessionResponse {
                    item: Some(watch_session_response::Item::Message(convert::message(&m))),
                }
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
        let project = project_or_personal(&caller, &request.get_ref().project_id)?;
        self.require_project(&caller, project, Role::View).await?;
        let high = self.state.store.inbox_high_water(project).await?;
        beyond_the_end("after_cursor", after, high)?;
        let user = caller.user_id;
        let config = self
            .state
            .person_feed_config(user, move |store| async move {
                let mut conn = store.pool().acquire().await?;
                access::require_project(&mut conn, user, project, Role::View)
                    .await
                    .map(|_| ())
            });
        let feed = inbox_feed(
            self.state.store.clone(),
            self.state.hub.inbox(project),
            after,
            config,
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
