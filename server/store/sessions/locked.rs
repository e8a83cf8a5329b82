//! The locked-session aggregate: a session row locked for the length of a transaction, and the
//! one way every write changes a session (append a message, change status, record an inbox
//! event, save and commit, then hand the feeds their hints).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Tx, now_micros, shorten};
use crate::domain::*;
use crate::store::access::{self, Scope};
use crate::store::notifications::{self, PendingNotification};
use crate::store::rows::{MESSAGE_COLUMNS, MessageRow};
use crate::store::{FeedHint, Store};

/// A session row locked for the length of a transaction, plus what the transaction changed.
pub(in crate::store) struct Locked {
    pub(in crate::store) id: Uuid,
    pub(in crate::store) project_id: Uuid,
    pub(in crate::store) agent_id: Uuid,
    pub(in crate::store) agent_name: String,
    pub(in crate::store) name: String,
    pub(in crate::store) status: SessionStatus,
    pub(in crate::store) last_seq: i64,
    pub(in crate::store) agent_read_seq: i64,
    pub(in crate::store) open_questions: i32,
    pub(in crate::store) open_approvals: i32,
    /// Seq of the message an earlier call with this transaction's request id wrote.
    pub(in crate::store) replay_seq: Option<i64>,
    pub(in crate::store) replay_checked: bool,
    pub(in crate::store) has_unread: bool,
    pub(in crate::store) notify_seq: bool,
    pub(in crate::store) notify_inbox: Option<i64>,
    /// Notifications this transaction's events call for, written at its commit (issue 15).
    pub(in crate::store) notifications: Vec<PendingNotification>,
    /// The answer or decision this transaction stores, remembered for its waiter at commit.
    pub(in crate::store) resolution: Option<crate::store::resolved::Resolution>,
}

#[derive(sqlx::FromRow)]
struct LockedRow {
    id: Uuid,
    project_id: Uuid,
    agent_id: Uuid,
    agent_name: String,
    name: String,
    status: i16,
    last_seq: i64,
    agent_read_seq: i64,
    open_questions: i32,
    open_approvals: i32,
    replay_seq: Option<i64>,
    has_unread: bool,
    /// The highest seq the statement's snapshot saw (see `Locked::lock_for`).
    snapshot_seq: i64,
}

impl Locked {
    /// Locks the session if `scope` may write it: a project (agent key, sweep) must own it; a
    /// person needs the role `Scope::person` names (see `store::access`).
    pub(in crate::store) async fn lock(
        tx: &mut Tx,
        scope: impl Into<Scope>,
        session_id: SessionId,
    ) -> DomainResult<Locked> {
        Self::lock_for(tx, scope, session_id, None).await
    }

    /// Locks the session row and, in the same round trip, learns whether `request_id` was
    /// already used in it and whether the agent has unread user messages (one query instead of
    /// three). Those two checks read the statement's snapshot, taken before the lock was granted:
    /// when the lock had to wait for another writer of this session, the row comes back as that
    /// writer left it but the checks did not see its messages (a retry racing its original
    /// would then insert its request id a second time). The highest seq the snapshot saw tells:
    /// below the row's `last_seq`, the checks run again, in a statement of their own.
    pub(in crate::store) async fn lock_for(
        tx: &mut Tx,
        scope: impl Into<Scope>,
        session_id: SessionId,
        request_id: Option<&str>,
    ) -> DomainResult<Locked> {
        let project = access::resolve(tx, scope.into(), session_id).await?;
        let row: Option<LockedRow> = sqlx::query_as(
            "SELECT s.id, s.project_id, s.agent_id, a.name AS agent_name, s.name, s.status, s.last_seq, \
             s.agent_read_seq, s.open_questions, \
             s.open_approvals, \
             (SELECT m.seq FROM messages m WHERE m.session_id = s.id AND m.request_id = $3) AS replay_seq, \
             EXISTS (SELECT 1 FROM messages u WHERE u.session_id = s.id AND u.seq > s.agent_read_seq AND u.kind = 4) AS has_unread, \
             (SELECT COALESCE(max(v.seq), 0) FROM messages v WHERE v.session_id = s.id) AS snapshot_seq \
             FROM sessions s JOIN agents a ON a.id = s.agent_id \
             WHERE s.id = $1 AND s.project_id = $2 FOR UPDATE OF s",
        )
        .bind(session_id.0)
        .bind(project.0)
        .bind(request_id)
        .fetch_optional(&mut **tx)
        .await?;
        let mut r = row.ok_or(DomainError::NotFound("session"))?;
        if r.snapshot_seq < r.last_seq {
            (r.replay_seq, r.has_unread) = sqlx::query_as(
                "SELECT (SELECT m.seq FROM messages m WHERE m.session_id = $1 AND m.request_id = $2), \
                 EXISTS (SELECT 1 FROM messages u WHERE u.session_id = $1 AND u.seq > $3 AND u.kind = 4)",
            )
            .bind(r.id)
            .bind(request_id)
            .bind(r.agent_read_seq)
            .fetch_one(&mut **tx)
            .await?;
        }
        Ok(Locked {
            id: r.id,
            project_id: r.project_id,
            agent_id: r.agent_id,
            agent_name: r.agent_name,
            name: r.name,
            status: SessionStatus::from_i16(r.status)?,
            last_seq: r.last_seq,
            agent_read_seq: r.agent_read_seq,
            open_questions: r.open_questions,
            open_approvals: r.open_approvals,
            replay_seq: r.replay_seq,
            replay_checked: request_id.is_some(),
            has_unread: r.has_unread,
            notify_seq: false,
            notify_inbox: None,
            notifications: Vec::new(),
            resolution: None,
        })
    }

    /// The message an earlier call with this request id wrote, if any.
    pub(in crate::store) async fn replayed(
        &self,
        tx: &mut Tx,
        request_id: &str,
    ) -> DomainResult<Option<(Message, Option<serde_json::Value>)>> {
        if self.replay_checked && self.replay_seq.is_none() {
            return Ok(None);
        }
        let row: Option<(MessageRow, Option<sqlx::types::Json<serde_json::Value>>)> = sqlx::query_as::<_, (Uuid, i64, i16, sqlx::types::Json<MessageBody>, DateTime<Utc>, Option<sqlx::types::Json<serde_json::Value>>)>(
            &format!("SELECT {MESSAGE_COLUMNS}, meta FROM messages WHERE session_id = $1 AND request_id = $2"),
        )
        .bind(self.id)
        .bind(request_id)
        .fetch_optional(&mut **tx)
        .await?
        .map(|(session_id, seq, sender, body, created_at, meta)| {
            (MessageRow { session_id, seq, sender, body, created_at }, meta)
        });
        match row {
            None => Ok(None),
            Some((m, meta)) => Ok(Some((m.into_domain()?, meta.map(|j| j.0)))),
        }
    }

    /// The result of an earlier call with this request id, if there was one. `same` turns the
    /// stored message into this call's result, or gives None when the id was used for another
    /// kind of call: a request id names one call, so that is refused, not replayed.
    pub(in crate::store) async fn replay<T>(
        &self,
        tx: &mut Tx,
        request_id: &str,
        same: impl FnOnce(Message) -> Option<T>,
    ) -> DomainResult<Option<T>> {
        match self.replayed(tx, request_id).await? {
            None => Ok(None),
            Some((message, _)) => same(message).map(Some).ok_or_else(|| {
                DomainError::invalid(
                    "request_id",
                    "was already used for a different call in this session",
                )
            }),
        }
    }

    pub(in crate::store) async fn append(
        &mut self,
        tx: &mut Tx,
        sender: Sender,
        body: &MessageBody,
        request_id: Option<&str>,
        meta: Option<serde_json::Value>,
    ) -> DomainResult<i64> {
        self.last_seq += 1;
        sqlx::query(
            "INSERT INTO messages (session_id, seq, sender, kind, body, request_id, meta) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(self.id)
        .bind(self.last_seq)
        .bind(sender as i16)
        .bind(body.kind() as i16)
        .bind(sqlx::types::Json(body))
        .bind(request_id)
        .bind(meta.map(sqlx::types::Json))
        .execute(&mut **tx)
        .await?;
        self.notify_seq = true;
        Ok(self.last_seq)
    }

    /// Moves to `to` (if different), recording a status message and an inbox event.
    pub(in crate::store) async fn change_status(
        &mut self,
        tx: &mut Tx,
        to: SessionStatus,
        sender: Sender,
        reason: &str,
    ) -> DomainResult<()> {
        if to == self.status {
            return Ok(());
        }
        let from = self.status;
        self.status = to;
        if to.is_terminal() {
            // Nobody can answer them any more: a finished session has no open questions (nor
            // approvals; both stay undecided, and GetSession lists neither).
            self.open_questions = 0;
            self.open_approvals = 0;
        }
        let body = MessageBody::StatusChange {
            from,
            to,
            reason: reason.to_owned(),
        };
        let seq = self.append(tx, sender, &body, None, None).await?;
        let kind = if to.is_terminal() {
            InboxEventKind::SessionEnded
        } else {
            InboxEventKind::StatusChanged
        };
        self.inbox(tx, kind, seq, None).await?;
        // The reason (why it failed, how long the agent was silent) is what a notification of
        // an ending or a disconnect is for.
        let key = seq.to_string();
        if let Some(n) = self.notifications.last_mut().filter(|n| n.key == key) {
            n.payload.reason = shorten(reason, 500);
        }
        Ok(())
    }

    pub(in crate::store) async fn inbox(
        &mut self,
        tx: &mut Tx,
        kind: InboxEventKind,
        seq: i64,
        question: Option<(QuestionId, &str)>,
    ) -> DomainResult<()> {
        let event = InboxEvent {
            // Assigned by `inbox::append`.
            cursor: 0,
            kind,
            session_id: SessionId(self.id),
            agent_id: AgentId(self.agent_id),
            agent_name: self.agent_name.clone(),
            session_name: self.name.clone(),
            status: self.status,
            seq,
            question_id: question.map(|q| q.0),
            question_text: question.map(|q| shorten(q.1, 280)).unwrap_or_default(),
            open_question_count: self.open_questions,
            created_at: now_micros(),
            approval_id: None,
            tool_name: String::new(),
            approval_summary: String::new(),
            approval_decision: None,
            open_approval_count: self.open_approvals,
        };
        self.push_inbox(tx, event).await
    }

    /// An APPROVAL_REQUESTED / APPROVAL_DECIDED event: the approval and, once decided, how.
    pub(in crate::store) async fn inbox_approval(
        &mut self,
        tx: &mut Tx,
        kind: InboxEventKind,
        seq: i64,
        approval: &ToolApproval,
        decision: Option<ApprovalDecision>,
    ) -> DomainResult<()> {
        let event = InboxEvent {
            cursor: 0,
            kind,
            session_id: SessionId(self.id),
            agent_id: AgentId(self.agent_id),
            agent_name: self.agent_name.clone(),
            session_name: self.name.clone(),
            status: self.status,
            seq,
            question_id: None,
            question_text: String::new(),
            open_question_count: self.open_questions,
            created_at: now_micros(),
            approval_id: Some(approval.id),
            tool_name: approval.tool_name.clone(),
            approval_summary: approval.preview.summary.clone(),
            approval_decision: decision,
            open_approval_count: self.open_approvals,
        };
        self.push_inbox(tx, event).await
    }

    async fn push_inbox(&mut self, tx: &mut Tx, event: InboxEvent) -> DomainResult<()> {
        self.notify_about(&event);
        let cursor = crate::store::inbox::append(tx, ProjectId(self.project_id), &event).await?;
        self.notify_inbox = Some(cursor);
        Ok(())
    }

    /// The one place that decides which inbox events notify people: every event a session write
    /// records passes here, so a new write path cannot forget its notification.
    fn notify_about(&mut self, event: &InboxEvent) {
        use crate::notify::{NotifyEvent, Payload};
        let notify = match (event.kind, event.status) {
            (InboxEventKind::QuestionAsked, _) => NotifyEvent::QuestionAsked,
            (InboxEventKind::ApprovalRequested, _) => NotifyEvent::ApprovalRequested,
            (InboxEventKind::SessionEnded, SessionStatus::Failed) => NotifyEvent::SessionFailed,
            (InboxEventKind::SessionEnded, SessionStatus::Completed) => {
                NotifyEvent::SessionCompleted
            }
            (InboxEventKind::StatusChanged, SessionStatus::Disconnected) => {
                NotifyEvent::SessionDisconnected
            }
            _ => return,
        };
        self.notifications.push(PendingNotification {
            event: notify,
            key: event.seq.to_string(),
            payload: Payload {
                session_id: self.id.to_string(),
                session_name: event.session_name.clone(),
                agent_name: event.agent_name.clone(),
                status: format!("{:?}", event.status),
                question_id: event.question_id.map(|q| q.to_string()).unwrap_or_default(),
                question_text: event.question_text.clone(),
                tool_name: event.tool_name.clone(),
                approval_summary: event.approval_summary.clone(),
                approval_id: event.approval_id.map(|a| a.to_string()).unwrap_or_default(),
                reason: String::new(),
                deadline: String::new(),
            },
            due_at: None,
        });
    }

    /// A question with a deadline also warns, shortly before it, whoever follows
    /// DEADLINE_NEAR: the row is written now (with the question, so it can't be lost) and due
    /// `lead` before the deadline; an answer by then suppresses it (`still_waiting`).
    pub(in crate::store) fn warn_before_deadline(
        &mut self,
        question: &Question,
        seq: i64,
        asked_at: DateTime<Utc>,
        lead: chrono::Duration,
    ) {
        let Some(deadline) = question.deadline else {
            return;
        };
        // Half the time given, at most `lead`: a 60 s question warns after 30 s, a two-hour
        // one `lead` before its end. Below 10 s the question's own notification is the warning.
        let given = deadline - asked_at;
        if given < chrono::Duration::seconds(10) {
            return;
        }
        let before = lead.min(given / 2);
        let key = seq.to_string();
        let Some(asked) = self
            .notifications
            .iter()
            .rev()
            .find(|n| n.event == crate::notify::NotifyEvent::QuestionAsked && n.key == key)
            .cloned()
        else {
            return;
        };
        let mut payload = asked.payload;
        payload.deadline = deadline.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.notifications.push(PendingNotification {
            event: crate::notify::NotifyEvent::DeadlineNear,
            key,
            payload,
            due_at: Some(deadline - before),
        });
    }

    /// The agent showed a sign of life: a disconnect is over; stops and open questions stay.
    pub(in crate::store) async fn agent_contact(
        &mut self,
        tx: &mut Tx,
        reason: &str,
    ) -> DomainResult<()> {
        let to = self.status.after_agent_contact(self.open_inputs());
        self.change_status(tx, to, Sender::Agent, reason).await
    }

    /// Questions and approvals waiting for a person: the session is AWAITING_INPUT while any is.
    pub(in crate::store) fn open_inputs(&self) -> i32 {
        self.open_questions + self.open_approvals
    }

    /// Saves the session row, commits, then hands the feeds their wake-up hints.
    pub(in crate::store) async fn commit(
        &self,
        store: &Store,
        mut tx: Tx,
        agent_contact: bool,
    ) -> DomainResult<()> {
        self.save(&mut tx, agent_contact).await?;
        let notified = if self.notifications.is_empty() {
            0
        } else {
            notifications::enqueue(
                &mut tx,
                self.project_id,
                self.id,
                &self.notifications,
                store.outbox().coalesce_secs(),
            )
            .await?
        };
        tx.commit().await?;
        if let Some(resolution) = &self.resolution {
            store.resolved().remember(
                ProjectId(self.project_id),
                SessionId(self.id),
                resolution.clone(),
                self.status,
            );
        }
        store.committed(self.hints());
        if notified > 0 {
            store.outbox().wake.notify_one();
        }
        Ok(())
    }

    /// What this transaction's watchers need to hear about.
    pub(in crate::store) fn hints(&self) -> impl Iterator<Item = FeedHint> + use<> {
        let message = self.notify_seq.then_some(FeedHint::Message {
            session_id: SessionId(self.id),
            seq: self.last_seq,
        });
        let inbox = self.notify_inbox.map(|cursor| FeedHint::Inbox {
            project_id: ProjectId(self.project_id),
            cursor,
        });
        message.into_iter().chain(inbox)
    }

    /// Writes the counters back.
    pub(in crate::store) async fn save(
        &self,
        tx: &mut Tx,
        agent_contact: bool,
    ) -> DomainResult<()> {
        sqlx::query(
            "UPDATE sessions SET status = $2, last_seq = $3, agent_read_seq = $4, open_questions = $5, \
             last_activity_at = CASE WHEN $6 THEN now() ELSE last_activity_at END, \
             last_seen_at = CASE WHEN $7 THEN now() ELSE last_seen_at END, \
             open_approvals = $8 WHERE id = $1",
        )
        .bind(self.id)
        .bind(self.status as i16)
        .bind(self.last_seq)
        .bind(self.agent_read_seq)
        .bind(self.open_questions)
        .bind(self.notify_seq)
        .bind(agent_contact)
        .bind(self.open_approvals)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
