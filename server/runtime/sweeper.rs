//! Background rules that need a clock: question and approval deadlines apply their default, stop
//! grace periods end in STOPPED, silent agents become DISCONNECTED, launch limits (start
//! deadline, inactivity, hard limit) and lost runners end launched sessions, answer links long
//! expired are deleted. Every replica runs it; the
//! write path's row locks and status guards make concurrent sweeps harmless.

use tokio_util::sync::CancellationToken;

use super::metrics::Metrics;
use crate::config::SessionSettings;
use crate::domain::validate::NewDecision;
use crate::domain::{ApprovalDecision, DomainError, SessionStatus};
use crate::store::access::Actor;
use crate::store::{AnswerInput, ApprovalRef, Decider, Store};

const BATCH: i64 = 100;

pub async fn run(
    store: Store,
    settings: SessionSettings,
    metrics: Metrics,
    shutdown: CancellationToken,
) {
    loop {
        let swept = sweep_once(&store, &settings).await;
        metrics.sweep(swept.is_ok());
        if let Err(e) = swept {
            tracing::warn!(error = %e, "sweep failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.sweep_interval()) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

pub async fn sweep_once(store: &Store, settings: &SessionSettings) -> Result<(), DomainError> {
    for (project, session, question) in store.due_questions(BATCH).await? {
        let input = AnswerInput {
            option_ids: question.default_option_ids.clone(),
            text: question.default_text.clone(),
            request_id: None,
        };
        match store
            .answer_question(Actor::System(project), session, question.id, input)
            .await
        {
            Ok(_) => {
                tracing::info!(%session, question_id = %question.id, "deadline passed: default answer applied")
            }
            // Answered or ended meanwhile (maybe by another replica).
            Err(DomainError::FailedPrecondition(_)) | Err(DomainError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    for (project, session, approval) in store.due_approvals(BATCH).await? {
        let decision = NewDecision {
            decision: approval.default_decision,
            reason: match approval.default_decision {
                ApprovalDecision::Deny => "nobody decided before the deadline; denied by default",
                _ => "nobody decided before the deadline; allowed once, as the agent asked",
            }
            .to_owned(),
            updated_input_json: String::new(),
        };
        match store
            .decide_approval(
                Decider::Deadline(project),
                session,
                ApprovalRef::Id(approval.id),
                decision,
                None,
            )
            .await
        {
            Ok(_) => {
                tracing::info!(%session, approval_id = %approval.id, "deadline passed: default decision applied")
            }
            // Decided or ended meanwhile (maybe by another replica).
            Err(DomainError::FailedPrecondition(_)) | Err(DomainError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    for (user, session) in store.expired_stops(settings.stop_grace(), BATCH).await? {
        let reason = format!(
            "the agent did not end the session within {} s of the stop request",
            settings.stop_grace_secs
        );
        match store
            .system_transition(
                user,
                session,
                SessionStatus::Stopping,
                SessionStatus::Stopped,
                &reason,
                None,
            )
            .await
        {
            Ok(_) | Err(DomainError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let lost_after = settings.runner_lost_after();
    for due in store.due_launch_limits(lost_after, BATCH).await? {
        match store.apply_launch_limit(due, lost_after).await {
            // Applied here, or by another replica first.
            Ok(_) | Err(DomainError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    store.withdraw_stopped_launches(BATCH).await?;
    let silent = store
        .silent_sessions(settings.disconnect_after(), BATCH)
        .await?;
    for (user, session, status) in silent {
        let reason = format!(
            "no contact from the agent for {} s",
            settings.disconnect_after_secs
        );
        match store
            .system_transition(
                user,
                session,
                status,
                SessionStatus::Disconnected,
                &reason,
                Some(settings.disconnect_after()),
            )
            .await
        {
            Ok(_) | Err(DomainError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    store.delete_stale_action_tokens(BATCH).await?;
    Ok(())
}
