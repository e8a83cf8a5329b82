//! WaitForAnswer and WaitForApproval: an agent blocks on one question (approval) until it is
//! answered (decided), the session stops or ends, or its wait runs out. Woken by the session
//! channel's mark (the hint of the commit that stored the answer or decision), never by polling;
//! the session's last-seen time is kept fresh meanwhile.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::hub::SessionChannel;
use crate::domain::{
    Answer, ApprovalId, ApprovalResult, DomainError, DomainResult, ProjectId, QuestionId,
    SessionStatus,
};
use crate::store::Store;

/// How long a wait lasts when the request does not say.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);
/// The longest wait a request may ask for.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// How long before the caller's own deadline a wait answers "not yet".
const DEADLINE_MARGIN: Duration = Duration::from_millis(100);

/// How long one wait may last: the requested time (or the default), at most `MAX_WAIT`, and
/// ending just before the caller's own deadline rather than letting its call expire.
pub fn wait_time(requested: Option<Duration>, call_deadline: Option<Duration>) -> Duration {
    let wait = requested.map_or(DEFAULT_WAIT, |d| d.min(MAX_WAIT));
    match call_deadline {
        Some(d) => wait.min(d.saturating_sub(DEADLINE_MARGIN)),
        None => wait,
    }
}

/// One agent's wait for the answer to `question`.
pub struct AnswerWait {
    pub project_id: ProjectId,
    pub question: QuestionId,
    pub wait: Duration,
    /// How often the session's last-seen time is refreshed while waiting.
    pub presence_every: Duration,
}

/// The answer if there is one, and the session's status either way.
pub async fn wait_for_answer(
    store: &Store,
    channel: Arc<SessionChannel>,
    w: AnswerWait,
    shutdown: &CancellationToken,
) -> DomainResult<(Option<Answer>, SessionStatus)> {
    let (project_id, question) = (w.project_id, w.question);
    let session = channel.id;
    wait_until(
        store,
        channel,
        (w.project_id, w.wait, w.presence_every),
        shutdown,
        || store.resolved().take_answer(project_id, session, question),
        || store.question_answer(project_id, session, question),
    )
    .await
}

/// One agent's wait for the decision on a tool approval.
pub struct ApprovalWait {
    pub project_id: ProjectId,
    pub approval: ApprovalId,
    pub wait: Duration,
    /// How often the session's last-seen time is refreshed while waiting.
    pub presence_every: Duration,
}

/// The decision if there is one, and the session's status either way.
pub async fn wait_for_approval(
    store: &Store,
    channel: Arc<SessionChannel>,
    w: ApprovalWait,
    shutdown: &CancellationToken,
) -> DomainResult<(Option<ApprovalResult>, SessionStatus)> {
    let (project_id, approval) = (w.project_id, w.approval);
    let session = channel.id;
    wait_until(
        store,
        channel,
        (w.project_id, w.wait, w.presence_every),
        shutdown,
        || {
            store
                .resolved()
                .take_decision(project_id, session, approval)
        },
        || store.approval_result(project_id, session, approval),
    )
    .await
}

/// Waits until `read` finds what the agent waits for (an answer, a decision), the session
/// stops or ends, or the wait runs out. After a wake-up, `just_committed` is asked first: the
/// memo this process's own writer left for the commit that woke us (see `store::resolved`),
/// which saves the read. The tuple is (project, how long, presence refresh period).
async fn wait_until<T, M, F, Fut>(
    store: &Store,
    channel: Arc<SessionChannel>,
    (project_id, wait, presence_every): (ProjectId, Duration, Duration),
    shutdown: &CancellationToken,
    just_committed: M,
    mut read: F,
) -> DomainResult<(Option<T>, SessionStatus)>
where
    M: Fn() -> Option<(T, SessionStatus)>,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = DomainResult<(Option<T>, SessionStatus)>>,
{
    let session = channel.id;
    let until = Instant::now() + wait;
    // Subscribe before the first read so that an answer committed in between wakes us.
    let mut marks = channel.subscribe();
    // The first sign of life through the locking way, awaited: it may end a disconnect. The
    // periodic ones after it through the store's batched refresh, not awaited.
    store.touch_session(project_id, session).await?;
    let mut next_touch = Instant::now() + presence_every;
    let mut woken = false;
    loop {
        if Instant::now() >= next_touch {
            store.refresh_presence(project_id, session, presence_every);
            next_touch = Instant::now() + presence_every;
        }
        let (found, status) = match woken.then(&just_committed).flatten() {
            Some((found, status)) => (Some(found), status),
            None => read().await?,
        };
        // A stop request or the end of the session ends the wait at once: the agent must
        // react to it rather than keep waiting for a decision that will not come.
        if found.is_some()
            || status.is_terminal()
            || status == SessionStatus::Stopping
            || Instant::now() >= until
        {
            return Ok((found, status));
        }
        tokio::select! {
            changed = marks.changed() => match changed {
                Ok(()) => woken = true,
                Err(_) => return Err(DomainError::Unavailable("feed closed; retry".into())),
            },
            _ = tokio::time::sleep_until(until) => {}
            _ = tokio::time::sleep_until(next_touch) => {}
            _ = shutdown.cancelled() => return Err(DomainError::Unavailable(
                "the server is shutting down; call again (any replica)".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_is_bounded_and_ends_before_the_callers_deadline() {
        let s = Duration::from_secs;
        assert_eq!(wait_time(None, None), DEFAULT_WAIT);
        assert_eq!(wait_time(Some(s(3600)), None), MAX_WAIT);
        assert_eq!(wait_time(Some(s(5)), Some(s(60))), s(5));
        assert_eq!(
            wait_time(None, Some(s(2))),
            s(2) - DEADLINE_MARGIN,
            "answers just before the call expires"
        );
        assert_eq!(wait_time(None, Some(Duration::from_millis(50))), s(0));
    }
}
