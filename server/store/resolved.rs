//! Answers and decisions this process has just committed, kept for a moment so that the agent
//! waiting on one (`feed::wait`, woken by the same commit's hint) takes it from memory instead
//! of reading it back from the database: one round trip less between a person's answer and
//! the agent receiving it.
//!
//! Only a wait that was woken consults it, and only entries younger than [`FRESH`]: a memo is a
//! snapshot at its commit (the answer, and the session's status then), which is what a read
//! right after the wake-up would have found; an older one could hide a later stop. A waiter on
//! another replica, or one woken by the periodic resync, reads the database as before.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::{
    Answer, ApprovalId, ApprovalResult, ProjectId, QuestionId, SessionId, SessionStatus,
};

/// Entries kept at most (oldest dropped first): a memo nobody waits for costs little and
/// leaves soon.
const KEEP: usize = 256;
/// How long a memo stands for a read.
const FRESH: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub enum Resolution {
    Answer(QuestionId, Answer),
    Decision(ApprovalId, ApprovalResult),
}

struct Entry {
    at: Instant,
    project: ProjectId,
    session: SessionId,
    resolution: Resolution,
    status: SessionStatus,
}

#[derive(Default)]
pub struct Resolved {
    recent: Mutex<VecDeque<Entry>>,
}

impl Resolved {
    /// Called after the commit that stored `resolution` and before its hints go out.
    pub(in crate::store) fn remember(
        &self,
        project: ProjectId,
        session: SessionId,
        resolution: Resolution,
        status: SessionStatus,
    ) {
        let mut recent = self.recent.lock().expect("not poisoned");
        if recent.len() == KEEP {
            recent.pop_front();
        }
        recent.push_back(Entry {
            at: Instant::now(),
            project,
            session,
            resolution,
            status,
        });
    }

    /// Takes the fresh memo of a question's answer in the caller's project and session.
    pub fn take_answer(
        &self,
        project: ProjectId,
        session: SessionId,
        question: QuestionId,
    ) -> Option<(Answer, SessionStatus)> {
        self.take(project, session, |r| match r {
            Resolution::Answer(q, a) if *q == question => Some(a.clone()),
            _ => None,
        })
    }

    /// Takes the fresh memo of an approval's decision in the caller's project and session.
    pub fn take_decision(
        &self,
        project: ProjectId,
        session: SessionId,
        approval: ApprovalId,
    ) -> Option<(ApprovalResult, SessionStatus)> {
        self.take(project, session, |r| match r {
            Resolution::Decision(id, d) if *id == approval => Some(d.clone()),
            _ => None,
        })
    }

    fn take<T>(
        &self,
        project: ProjectId,
        session: SessionId,
        pick: impl Fn(&Resolution) -> Option<T>,
    ) -> Option<(T, SessionStatus)> {
        let mut recent = self.recent.lock().expect("not poisoned");
        let now = Instant::now();
        while recent.front().is_some_and(|e| now - e.at > FRESH) {
            recent.pop_front();
        }
        let at = recent.iter().rposition(|e| {
            e.project == project && e.session == session && pick(&e.resolution).is_some()
        })?;
        let entry = recent.remove(at)?;
        Some((pick(&entry.resolution)?, entry.status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn answer(q: QuestionId) -> Answer {
        Answer {
            question_id: q,
            option_ids: vec![],
            text: "yes".into(),
            answered_by: crate::domain::Sender::User,
            answered_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_memo_is_taken_once_and_only_in_its_own_project_and_session() {
        let memo = Resolved::default();
        let (p, s, q) = (
            ProjectId(Uuid::new_v4()),
            SessionId(Uuid::new_v4()),
            QuestionId(Uuid::new_v4()),
        );
        memo.remember(
            p,
            s,
            Resolution::Answer(q, answer(q)),
            SessionStatus::Active,
        );
        let other_project = ProjectId(Uuid::new_v4());
        assert!(memo.take_answer(other_project, s, q).is_none());
        assert!(memo.take_answer(p, SessionId(Uuid::new_v4()), q).is_none());
        assert!(memo.take_decision(p, s, ApprovalId(q.0)).is_none());
        let (a, status) = memo.take_answer(p, s, q).expect("the memo");
        assert_eq!((a.question_id, status), (q, SessionStatus::Active));
        assert!(memo.take_answer(p, s, q).is_none(), "taken once");
    }

    #[test]
    fn the_oldest_memos_go_first() {
        let memo = Resolved::default();
        let (p, s) = (ProjectId(Uuid::new_v4()), SessionId(Uuid::new_v4()));
        let questions: Vec<QuestionId> = (0..=KEEP).map(|_| QuestionId(Uuid::new_v4())).collect();
        for q in &questions {
            memo.remember(
                p,
                s,
                Resolution::Answer(*q, answer(*q)),
                SessionStatus::Active,
            );
        }
        assert!(memo.take_answer(p, s, questions[0]).is_none());
        assert!(memo.take_answer(p, s, questions[KEEP]).is_some());
    }
}
