//! Background rules that need a clock: question deadlines apply their default answer, stop
//! grace periods end in STOPPED, silent agents become DISCONNECTED. Every replica runs it; the
//! write path's row locks and status guards make concurrent sweeps harmless.

use tokio_util::sync::CancellationToken;

use super::metrics::Metrics;
use crate::config::SessionSettings;
use crate::domain::{DomainError, Sender, SessionStatus};
use crate::store::{AnswerInput, Store};

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
    for (user, session, question) in store.due_questions(BATCH).await? {
        let input = AnswerInput {
            option_ids: question.default_option_ids.clone(),
            text: question.default_text.clone(),
            request_id: None,
        };
        match store
            .answer_question(user, session, question.id, input, Sender::System)
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
    Ok(())
}
