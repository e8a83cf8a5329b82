//! Action tokens (see `notify::action`): minted by the delivery worker, looked up by their
//! SHA-256, used through the ordinary answer and decision paths with the token marked used in
//! the same transaction.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Store;
use super::access::Actor;
use super::sessions::Tx;
use super::{AnswerInput, ApprovalRef, Decider};
use crate::auth::secrets::{hash_secret, new_action_token};
use crate::domain::validate::NewDecision;
use crate::domain::*;
use crate::notify::action::{ActionAnswer, ActionTarget};

/// A token as stored (never the token itself).
#[derive(Debug, Clone)]
pub struct StoredActionToken {
    pub id: Uuid,
    pub user_id: UserId,
    pub target: ActionTarget,
    /// What the answer is recorded with in the audit trail.
    pub audit_channel: AuditChannel,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

impl StoredActionToken {
    pub fn expired(&self) -> bool {
        self.expires_at <= Utc::now()
    }

    fn caller(&self) -> UserCaller {
        UserCaller {
            user_id: self.user_id,
            channel: self.audit_channel,
        }
    }
}

/// What the page of a token shows: the session and its question or approval as they are now.
#[derive(Debug, Clone)]
pub struct ActionView {
    pub session_name: String,
    pub agent_name: String,
    pub status: SessionStatus,
    /// The person's effective role on the session now; None when it is no longer visible.
    pub role: Option<Role>,
    /// With its answer, once answered.
    pub question: Option<Question>,
    /// With its result, once decided.
    pub approval: Option<ToolApproval>,
}

type TokenRow = (
    Uuid,
    Uuid,
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
    i16,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

fn stored(row: TokenRow) -> DomainResult<Option<StoredActionToken>> {
    let (id, user_id, session_id, question_id, approval_id, channel, expires_at, used_at) = row;
    let target = match (session_id, question_id, approval_id) {
        (Some(session_id), Some(question_id), None) => ActionTarget::Question {
            session_id,
            question_id,
        },
        (Some(session_id), None, Some(approval_id)) => ActionTarget::Approval {
            session_id,
            request_id: approval_id.to_string(),
        },
        // Not an answer token (an email address's confirmation): not for this path.
        _ => return Ok(None),
    };
    Ok(Some(StoredActionToken {
        id,
        user_id: UserId(user_id),
        target,
        audit_channel: AuditChannel::from_i16(channel)?,
        expires_at,
        used_at,
    }))
}

/// Marks the token used, in the transaction of the answer it carries. A token used (or run
/// out) since it was looked up refuses, and the answer rolls back with it.
pub(in crate::store) async fn mark_used(tx: &mut Tx, id: Uuid) -> DomainResult<()> {
    let done = sqlx::query(
        "UPDATE action_tokens SET used_at = now() WHERE id = $1 AND used_at IS NULL AND expires_at > now()",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(DomainError::FailedPrecondition(
            "this link was used (or ran out) a moment ago".into(),
        ));
    }
    Ok(())
}

impl Store {
    /// A new token for `user_id` to answer `target`, valid for `ttl`; returns the clear token
    /// (`sb_act_...`), of which only the SHA-256 is stored. `channel` is what the answer will be
    /// audited with (NOTIFICATION_LINK, PUSH_ACTION). Called at delivery time, never at commit.
    pub async fn mint_action_token(
        &self,
        user_id: UserId,
        target: ActionTarget,
        channel: AuditChannel,
        ttl: std::time::Duration,
    ) -> DomainResult<String> {
        let (session_id, question_id, approval_id) = match &target {
            ActionTarget::Question {
                session_id,
                question_id,
            } => (*session_id, Some(*question_id), None),
            ActionTarget::Approval {
                session_id,
                request_id,
            } => {
                let id = request_id.parse::<Uuid>().map_err(|_| {
                    DomainError::invalid("request_id", "is not an approval id (a UUID)")
                })?;
                (*session_id, None, Some(id))
            }
        };
        let token = new_action_token();
        let ttl = chrono::Duration::from_std(ttl)
            .map_err(|_| DomainError::invalid("ttl", "is too long"))?;
        sqlx::query(
            "INSERT INTO action_tokens (id, token_hash, user_id, session_id, question_id, approval_id, audit_channel, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Uuid::new_v4())
        .bind(hash_secret(&token))
        .bind(user_id.0)
        .bind(session_id)
        .bind(question_id)
        .bind(approval_id)
        .bind(channel as i16)
        .bind(Utc::now() + ttl)
        .execute(self.pool())
        .await?;
        Ok(token)
    }

    /// The answer token whose clear form is `token`, if any.
    pub async fn find_action_token(&self, token: &str) -> DomainResult<Option<StoredActionToken>> {
        let row: Option<TokenRow> = sqlx::query_as(
            "SELECT id, user_id, session_id, question_id, approval_id, audit_channel, expires_at, used_at \
             FROM action_tokens WHERE token_hash = $1",
        )
        .bind(hash_secret(token))
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(row) => stored(row),
            None => Ok(None),
        }
    }

    /// The session and the question or approval the token is for, as they are now.
    pub async fn action_view(&self, token: &StoredActionToken) -> DomainResult<ActionView> {
        let session_id = SessionId(token.target.session_id());
        let role = match self.session_role(token.user_id, session_id).await {
            Ok(role) => Some(role),
            Err(DomainError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let (session_name, agent_name, status): (String, String, i16) = sqlx::query_as(
            "SELECT s.name, a.name, s.status FROM sessions s JOIN agents a ON a.id = s.agent_id WHERE s.id = $1",
        )
        .bind(session_id.0)
        .fetch_optional(self.pool())
        .await?
        .ok_or(DomainError::NotFound("session"))?;
        let mut view = ActionView {
            session_name,
            agent_name,
            status: SessionStatus::from_i16(status)?,
            role,
            question: None,
            approval: None,
        };
        match &token.target {
            ActionTarget::Question { question_id, .. } => {
                let (spec, answer): (
                    sqlx::types::Json<Question>,
                    Option<sqlx::types::Json<Answer>>,
                ) = sqlx::query_as(
                    "SELECT spec, answer FROM questions WHERE id = $1 AND session_id = $2",
                )
                .bind(question_id)
                .bind(session_id.0)
                .fetch_optional(self.pool())
                .await?
                .ok_or(DomainError::NotFound("question"))?;
                let mut q = spec.0;
                q.answer = answer.map(|a| a.0);
                view.question = Some(q);
            }
            ActionTarget::Approval { request_id, .. } => {
                let id: Uuid = request_id
                    .parse()
                    .map_err(|_| DomainError::internal("a stored approval id is not a UUID"))?;
                let (spec, result): (
                    sqlx::types::Json<ToolApproval>,
                    Option<sqlx::types::Json<ApprovalResult>>,
                ) = sqlx::query_as(
                    "SELECT spec, result FROM approvals WHERE id = $1 AND session_id = $2",
                )
                .bind(id)
                .bind(session_id.0)
                .fetch_optional(self.pool())
                .await?
                .ok_or(DomainError::NotFound("approval"))?;
                let mut a = spec.0;
                a.result = result.map(|r| r.0);
                view.approval = Some(a);
            }
        }
        Ok(view)
    }

    /// Answers the token's question or decides its approval as the token's person (who needs
    /// the edit role now), through the ordinary paths, marking the token used in the same
    /// transaction. The caller has checked that the token is neither used nor expired; a race
    /// with another use is refused inside the transaction.
    pub async fn use_action_token(
        &self,
        token: &StoredActionToken,
        answer: ActionAnswer,
    ) -> DomainResult<()> {
        match (&token.target, answer) {
            (
                ActionTarget::Question {
                    session_id,
                    question_id,
                },
                ActionAnswer::Question { choices, text },
            ) => {
                let option_ids = self.option_ids(*question_id, &choices).await?;
                let input = AnswerInput {
                    option_ids,
                    text,
                    request_id: None,
                };
                self.answer_question_using(
                    Actor::Person(token.caller()),
                    SessionId(*session_id),
                    QuestionId(*question_id),
                    input,
                    Some(token.id),
                )
                .await?;
                Ok(())
            }
            (
                ActionTarget::Approval {
                    session_id,
                    request_id,
                },
                ActionAnswer::Approval { decision },
            ) => {
                let id: Uuid = request_id
                    .parse()
                    .map_err(|_| DomainError::internal("a stored approval id is not a UUID"))?;
                let decision = NewDecision::validate(Some(decision), "", "")?;
                self.decide_approval_using(
                    Decider::Person(token.caller()),
                    SessionId(*session_id),
                    ApprovalRef::Id(ApprovalId(id)),
                    decision,
                    None,
                    Some(token.id),
                )
                .await?;
                Ok(())
            }
            (ActionTarget::Question { .. }, ActionAnswer::Approval { .. }) => {
                Err(DomainError::invalid(
                    "decision",
                    "this link answers a question: send choice or text",
                ))
            }
            (ActionTarget::Approval { .. }, ActionAnswer::Question { .. }) => {
                Err(DomainError::invalid(
                    "decision",
                    "this link decides a tool approval: send decision=allow, allow_session or deny",
                ))
            }
        }
    }

    /// Deletes up to `limit` tokens that ran out more than a day ago. Until then an old link
    /// still says "expired" (or "used") rather than "not valid".
    pub async fn delete_stale_action_tokens(&self, limit: i64) -> DomainResult<u64> {
        let done = sqlx::query(
            "DELETE FROM action_tokens WHERE id IN ( \
               SELECT id FROM action_tokens WHERE expires_at < now() - interval '1 day' LIMIT $1)",
        )
        .bind(limit)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// A person's account email (an email channel's default address).
    pub async fn user_email(&self, user: UserId) -> DomainResult<String> {
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_optional(self.pool())
            .await?
            .ok_or(DomainError::NotFound("user"))
    }

    /// The labels of a question's options, for the answer links of its notification.
    pub async fn question_labels(&self, question_id: Uuid) -> DomainResult<Vec<String>> {
        let spec: Option<sqlx::types::Json<Question>> =
            sqlx::query_scalar("SELECT spec FROM questions WHERE id = $1")
                .bind(question_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(spec
            .map(|q| q.0.options.into_iter().map(|o| o.label).collect())
            .unwrap_or_default())
    }

    /// The option ids that `choices` name, each by its label or its id.
    async fn option_ids(&self, question_id: Uuid, choices: &[String]) -> DomainResult<Vec<String>> {
        if choices.is_empty() {
            return Ok(Vec::new());
        }
        let spec: Option<sqlx::types::Json<Question>> =
            sqlx::query_scalar("SELECT spec FROM questions WHERE id = $1")
                .bind(question_id)
                .fetch_optional(self.pool())
                .await?;
        let q = spec.ok_or(DomainError::NotFound("question"))?.0;
        choices
            .iter()
            .map(|c| {
                q.options
                    .iter()
                    .find(|o| &o.label == c)
                    .or_else(|| q.options.iter().find(|o| &o.id == c))
                    .map(|o| o.id.clone())
                    .ok_or_else(|| {
                        DomainError::invalid(
                            "choice",
                            format!(
                                "{} is not one of the question's options",
                                crate::domain::validate::shown(c)
                            ),
                        )
                    })
            })
            .collect()
    }
}
