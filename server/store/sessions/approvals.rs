//! Tool approvals (issue 14), written like questions: the request is a message plus a row in
//! `approvals`, the one decision (a person's, the deadline's, or the agent's terminal's) is a
//! message plus that row's update, both under the session row's lock, so exactly one decision
//! is stored however many race. An ALLOW_SESSION decision also stores a rule that decides later
//! requests for the same tool in the session at once.

use uuid::Uuid;

use super::{Locked, now_micros};
use crate::domain::validate::{NewApproval, NewDecision};
use crate::domain::*;
use crate::store::Store;
use crate::store::access::Scope;
use crate::store::audit::{self, AuditEvent};
use crate::store::resolved::Resolution;

/// Who decides an approval: a person (needs edit on the session, audited), the deadline (the
/// sweeper, in the session's project) or the agent's own terminal (the agent key's project).
#[derive(Debug, Clone, Copy)]
pub enum Decider {
    Person(UserCaller),
    Deadline(ProjectId),
    Agent(ProjectId),
}

impl Decider {
    fn scope(self) -> Scope {
        match self {
            Decider::Person(c) => Scope::person(c.user_id, Role::Edit),
            Decider::Deadline(p) | Decider::Agent(p) => Scope::Project(p),
        }
    }

    fn sender(self) -> Sender {
        match self {
            Decider::Person(_) => Sender::User,
            Decider::Deadline(_) => Sender::System,
            Decider::Agent(_) => Sender::Agent,
        }
    }
}

/// How a decision names its approval: DecideApproval by id, ResolveApproval by id or by the
/// agent's tool-call id.
#[derive(Debug, Clone)]
pub enum ApprovalRef {
    Id(ApprovalId),
    ToolUseId(String),
}

/// A decision as stored: this call's (`applied`) or the one that won before it.
#[derive(Debug, Clone)]
pub struct Decided {
    pub result: ApprovalResult,
    /// The decision's message.
    pub seq: i64,
    pub applied: bool,
}

impl Store {
    pub async fn request_approval(
        &self,
        caller: AgentCaller,
        session_id: SessionId,
        a: NewApproval,
        request_id: &str,
    ) -> DomainResult<(ToolApproval, i64)> {
        let mut tx = self.begin().await?;
        let mut locked =
            Locked::lock_for(&mut tx, caller.project_id, session_id, Some(request_id)).await?;
        let replay = locked.replay(&mut tx, request_id, |m| match m.body {
            MessageBody::Approval(a) => Some((a, m.seq)),
            _ => None,
        });
        if let Some(earlier) = replay.await? {
            return Ok(earlier);
        }
        locked.status.ensure_writable()?;
        let rule: Option<(Uuid,)> = sqlx::query_as(
            "SELECT approval_id FROM approval_rules WHERE session_id = $1 AND tool_name = $2",
        )
        .bind(locked.id)
        .bind(&a.tool_name)
        .fetch_optional(&mut *tx)
        .await?;
        let id = ApprovalId::new_random();
        let now = now_micros();
        let mut approval = ToolApproval {
            id,
            tool_name: a.tool_name,
            input_json: a.input_json,
            preview: a.preview,
            tool_use_id: a.tool_use_id,
            input_editable: a.input_editable,
            deadline: a
                .timeout
                .map(|t| now + chrono::Duration::from_std(t).unwrap_or_default()),
            default_decision: a.default_decision,
            result: None,
        };
        // A person allowed this tool for the session: decided now, by the rule, and nobody is
        // asked (no AWAITING_INPUT, no inbox event). The message carries the result.
        if let Some((rule_approval,)) = rule {
            approval.deadline = None;
            approval.result = Some(ApprovalResult {
                approval_id: id,
                decision: ApprovalDecision::AllowSession,
                reason: format!(
                    "{} was allowed for the rest of this session when approval {rule_approval} was decided",
                    approval.tool_name
                ),
                updated_input_json: String::new(),
                decided_by: Sender::System,
                decided_at: now,
            });
        }
        let seq = locked
            .append(
                &mut tx,
                Sender::Agent,
                &MessageBody::Approval(approval.clone()),
                Some(request_id),
                None,
            )
            .await?;
        let spec = ToolApproval {
            result: None,
            ..approval.clone()
        };
        let decided = approval.result.as_ref();
        sqlx::query(
            "INSERT INTO approvals (id, session_id, seq, tool_name, tool_use_id, spec, deadline_at, decided_at, result, result_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id.0)
        .bind(locked.id)
        .bind(seq)
        .bind(&approval.tool_name)
        .bind(Some(approval.tool_use_id.as_str()).filter(|t| !t.is_empty()))
        .bind(sqlx::types::Json(&spec))
        .bind(approval.deadline)
        .bind(decided.map(|r| r.decided_at))
        .bind(decided.map(sqlx::types::Json))
        .bind(decided.map(|_| seq))
        .execute(&mut *tx)
        .await?;
        if decided.is_some() {
            locked.agent_contact(&mut tx, "").await?;
        } else {
            locked.open_approvals += 1;
            if locked.status != SessionStatus::Stopping {
                locked
                    .change_status(&mut tx, SessionStatus::AwaitingInput, Sender::Agent, "")
                    .await?;
            }
            locked
                .inbox_approval(&mut tx, InboxEventKind::ApprovalRequested, seq, &spec, None)
                .await?;
        }
        locked.commit(self, tx, true).await?;
        if decided.is_none() {
            self.input_specs().keep_approval(session_id, spec);
        }
        Ok((approval, seq))
    }

    /// Decides an approval as a person (`Sender::User`), the deadline (`Sender::System`) or the
    /// agent's terminal (`Sender::Agent`). The first decision wins: a later person or deadline
    /// gets FAILED_PRECONDITION saying who decided and when; the agent's terminal gets the
    /// winner with `applied = false` (it only reports what already happened on its side).
    pub async fn decide_approval(
        &self,
        decider: Decider,
        session_id: SessionId,
        which: ApprovalRef,
        input: NewDecision,
        request_id: Option<&str>,
    ) -> DomainResult<Decided> {
        self.decide_approval_using(decider, session_id, which, input, request_id, None)
            .await
    }

    /// `decide_approval`, marking the action token `token` (if any) used in the decision's own
    /// transaction.
    pub(in crate::store) async fn decide_approval_using(
        &self,
        decider: Decider,
        session_id: SessionId,
        which: ApprovalRef,
        input: NewDecision,
        request_id: Option<&str>,
        token: Option<Uuid>,
    ) -> DomainResult<Decided> {
        if let (Decider::Person(caller), ApprovalRef::Id(id), None) = (decider, &which, token)
            && let Some(done) = self
                .decide_in_one_statement(caller, session_id, *id, &input, request_id)
                .await?
        {
            self.resolution_ways.one_statement.inc();
            return Ok(done);
        }
        if let Decider::Person(_) = decider {
            self.resolution_ways.locking.inc();
        }
        let by = decider.sender();
        let mut tx = self.begin().await?;
        let mut locked = Locked::lock_for(&mut tx, decider.scope(), session_id, request_id).await?;
        if let Some(rid) = request_id {
            let replay = locked.replay(&mut tx, rid, |m| match (m.body, &which) {
                (MessageBody::ApprovalResult(r), ApprovalRef::Id(id)) if r.approval_id != *id => {
                    None
                }
                (MessageBody::ApprovalResult(r), _) => Some(Decided {
                    result: r,
                    seq: m.seq,
                    applied: true,
                }),
                _ => None,
            });
            if let Some(earlier) = replay.await? {
                return Ok(earlier);
            }
        }
        type Row = (
            Uuid,
            sqlx::types::Json<ToolApproval>,
            Option<sqlx::types::Json<ApprovalResult>>,
            Option<i64>,
        );
        let row: Option<Row> = match &which {
            ApprovalRef::Id(id) => {
                sqlx::query_as(
                    "SELECT id, spec, result, result_seq FROM approvals WHERE id = $1 AND session_id = $2 FOR UPDATE",
                )
                .bind(id.0)
                .bind(locked.id)
                .fetch_optional(&mut *tx)
                .await?
            }
            // The agent may have asked twice for one tool call (a retried hook with a new
            // request id): the open one is meant, else the newest.
            ApprovalRef::ToolUseId(tool_use_id) => {
                sqlx::query_as(
                    "SELECT id, spec, result, result_seq FROM approvals WHERE session_id = $1 AND tool_use_id = $2 \
                     ORDER BY (decided_at IS NULL) DESC, seq DESC LIMIT 1 FOR UPDATE",
                )
                .bind(locked.id)
                .bind(tool_use_id)
                .fetch_optional(&mut *tx)
                .await?
            }
        };
        let (id, spec, existing, existing_seq) = row.ok_or(DomainError::NotFound("approval"))?;
        let id = ApprovalId(id);
        let spec = spec.0;
        if let Some(earlier) = existing {
            let earlier = earlier.0;
            if by == Sender::Agent {
                return Ok(Decided {
                    result: earlier,
                    seq: existing_seq.unwrap_or_default(),
                    applied: false,
                });
            }
            // Which person decided, from the audit trail (a project has several people).
            let person: Option<(Uuid, String)> = sqlx::query_as(
                "SELECT e.actor_id, u.email FROM audit_events e JOIN users u ON u.id = e.actor_id \
                 WHERE e.session_id = $1 AND e.action IN ($2, $3, $4) AND e.details->>'approval_id' = $5 LIMIT 1",
            )
            .bind(locked.id)
            .bind(AuditAction::ApprovalAllowed as i16)
            .bind(AuditAction::ApprovalAllowedForSession as i16)
            .bind(AuditAction::ApprovalDenied as i16)
            .bind(id.0.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            let me = match decider {
                Decider::Person(c) => Some(c.user_id.0),
                _ => None,
            };
            let who = match (earlier.decided_by, person) {
                (Sender::System, _) if earlier.decision == ApprovalDecision::AllowSession => {
                    "a session rule (the tool was allowed for this session)".to_owned()
                }
                (Sender::System, _) => "the deadline's default decision".to_owned(),
                (Sender::Agent, _) => "the agent's terminal (answered there first)".to_owned(),
                (_, Some((actor, email))) if Some(actor) != me => email,
                _ => "you (from another device or tab)".to_owned(),
            };
            return Err(DomainError::FailedPrecondition(format!(
                "this approval was already decided ({}) by {who} at {}",
                earlier.decision.describe(),
                earlier
                    .decided_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )));
        }
        if locked.status.is_terminal() {
            return Err(DomainError::FailedPrecondition(format!(
                "the session is {}; its approvals can no longer be decided",
                locked.status.name()
            )));
        }
        if !input.updated_input_json.is_empty() && !spec.input_editable {
            return Err(DomainError::invalid(
                "updated_input_json",
                "this approval's input is not editable (the agent asked with input_editable false); allow or deny it as requested",
            ));
        }
        let result = ApprovalResult {
            approval_id: id,
            decision: input.decision,
            reason: input.reason,
            updated_input_json: input.updated_input_json,
            decided_by: by,
            decided_at: now_micros(),
        };
        let seq = locked
            .append(
                &mut tx,
                by,
                &MessageBody::ApprovalResult(result.clone()),
                request_id,
                None,
            )
            .await?;
        sqlx::query(
            "UPDATE approvals SET decided_at = $2, result = $3, result_seq = $4 WHERE id = $1",
        )
        .bind(id.0)
        .bind(result.decided_at)
        .bind(sqlx::types::Json(&result))
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        if result.decision == ApprovalDecision::AllowSession {
            sqlx::query(
                "INSERT INTO approval_rules (session_id, tool_name, approval_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (session_id, tool_name) DO NOTHING",
            )
            .bind(locked.id)
            .bind(&spec.tool_name)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        }
        locked.open_approvals = (locked.open_approvals - 1).max(0);
        // Agents run tool calls in parallel (several Bash approvals open at once): the rule
        // just made also decides the open siblings, else the person would have to tap each.
        let siblings = if result.decision == ApprovalDecision::AllowSession {
            self.decide_by_rule(&mut tx, &mut locked, id, &spec.tool_name)
                .await?
        } else {
            Vec::new()
        };
        if by == Sender::Agent {
            // The agent's own report is a sign of life too (a DISCONNECTED session is back).
            let reason = if locked.open_inputs() == 0 {
                "every question and approval is decided"
            } else {
                "agent is back"
            };
            locked.agent_contact(&mut tx, reason).await?;
        } else if locked.open_inputs() == 0 && locked.status == SessionStatus::AwaitingInput {
            locked
                .change_status(
                    &mut tx,
                    SessionStatus::Active,
                    by,
                    "every question and approval is decided",
                )
                .await?;
        }
        if let Decider::Person(caller) = decider {
            let also_allowed: Vec<ApprovalId> = siblings.iter().map(|(_, a)| a.id).collect();
            let project = ProjectId(locked.project_id);
            let event = decision_audit(caller, project, &spec, &result, seq, &also_allowed);
            audit::record(&mut tx, event.on(session_id)).await?;
        }
        locked
            .inbox_approval(
                &mut tx,
                InboxEventKind::ApprovalDecided,
                seq,
                &spec,
                Some(result.decision),
            )
            .await?;
        for (sibling_seq, sibling) in &siblings {
            locked
                .inbox_approval(
                    &mut tx,
                    InboxEventKind::ApprovalDecided,
                    *sibling_seq,
                    sibling,
                    Some(ApprovalDecision::AllowSession),
                )
                .await?;
        }
        if let Some(token) = token {
            crate::store::action_tokens::mark_used(&mut tx, token).await?;
        }
        locked.resolution = Some(Resolution::Decision(id, result.clone()));
        locked.commit(self, tx, by == Sender::Agent).await?;
        Ok(Decided {
            result,
            seq,
            applied: true,
        })
    }
    /// Decides, by the session rule `rule_approval` just made, every other open approval of
    /// `tool_name` in the session: each gets its own decision message (decided by SYSTEM, like a
    /// later request the rule decides at once). The caller updates the session status once, after
    /// `open_approvals` has dropped for all of them. Returns each decision's seq and approval.
    async fn decide_by_rule(
        &self,
        tx: &mut super::Tx,
        locked: &mut Locked,
        rule_approval: ApprovalId,
        tool_name: &str,
    ) -> DomainResult<Vec<(i64, ToolApproval)>> {
        let open: Vec<(Uuid, sqlx::types::Json<ToolApproval>)> = sqlx::query_as(
            "SELECT id, spec FROM approvals WHERE session_id = $1 AND tool_name = $2 AND decided_at IS NULL AND id <> $3 \
             ORDER BY seq FOR UPDATE",
        )
        .bind(locked.id)
        .bind(tool_name)
        .bind(rule_approval.0)
        .fetch_all(&mut **tx)
        .await?;
        let mut decided = Vec::with_capacity(open.len());
        for (id, spec) in open {
            let result = ApprovalResult {
                approval_id: ApprovalId(id),
                decision: ApprovalDecision::AllowSession,
                reason: format!(
                    "{tool_name} was allowed for the rest of this session when approval {} was decided",
                    rule_approval.0
                ),
                updated_input_json: String::new(),
                decided_by: Sender::System,
                decided_at: now_micros(),
            };
            let seq = locked
                .append(
                    tx,
                    Sender::System,
                    &MessageBody::ApprovalResult(result.clone()),
                    None,
                    None,
                )
                .await?;
            sqlx::query(
                "UPDATE approvals SET decided_at = $2, result = $3, result_seq = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(result.decided_at)
            .bind(sqlx::types::Json(&result))
            .bind(seq)
            .execute(&mut **tx)
            .await?;
            locked.open_approvals = (locked.open_approvals - 1).max(0);
            decided.push((seq, spec.0));
        }
        Ok(decided)
    }
}

/// The audit row of a person's decision (the general and the two-statement way write the same).
/// `also_allowed`: the open approvals of the same tool an ALLOW_SESSION rule also decided.
pub(super) fn decision_audit(
    caller: UserCaller,
    project: ProjectId,
    spec: &ToolApproval,
    result: &ApprovalResult,
    seq: i64,
    also_allowed: &[ApprovalId],
) -> AuditEvent {
    let action = match result.decision {
        ApprovalDecision::AllowSession => AuditAction::ApprovalAllowedForSession,
        ApprovalDecision::Deny => AuditAction::ApprovalDenied,
        _ => AuditAction::ApprovalAllowed,
    };
    let details = serde_json::json!({
        "approval_id": result.approval_id.0,
        "tool_name": spec.tool_name,
        "summary": spec.preview.summary,
        "decision": result.decision.describe(),
        "reason": result.reason,
        "input_edited": !result.updated_input_json.is_empty(),
        "seq": seq,
        "also_allowed": also_allowed.iter().map(|a| a.0).collect::<Vec<_>>(),
    });
    AuditEvent::by(caller, project, action, details)
}
