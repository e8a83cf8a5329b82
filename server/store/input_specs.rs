//! The questions and tool approvals this process has seen asked, by id, so that a person's
//! answer or decision is validated and written in one round trip (`sessions::input_fast`)
//! instead of reading the question first.
//!
//! A spec never changes once asked, so an entry cannot be stale; whether the input is still
//! open, and whether the caller may resolve it, is decided by the write itself. An entry says
//! nothing about access: the fast path uses it only to validate and build rows, and anything it
//! would refuse goes to the general path, which checks access before it says why.
//!
//! Bounded by two generations: when the newer one is full it becomes the older one and the
//! older one is dropped, so a spec stays for at least [`GENERATION`] later asks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::{ApprovalId, Question, QuestionId, SessionId, ToolApproval};

/// Specs per generation.
const GENERATION: usize = 4096;

#[derive(Clone)]
pub enum Spec {
    Question(Arc<Question>),
    Approval(Arc<ToolApproval>),
}

#[derive(Default)]
struct Generations {
    newer: HashMap<uuid::Uuid, (SessionId, Spec)>,
    older: HashMap<uuid::Uuid, (SessionId, Spec)>,
}

#[derive(Default)]
pub struct InputSpecs {
    generations: Mutex<Generations>,
}

impl InputSpecs {
    pub fn keep_question(&self, session: SessionId, question: Question) -> Arc<Question> {
        let question = Arc::new(question);
        let spec = Spec::Question(question.clone());
        self.keep(session, question.id.0, spec);
        question
    }

    pub fn keep_approval(&self, session: SessionId, approval: ToolApproval) -> Arc<ToolApproval> {
        let approval = Arc::new(approval);
        let spec = Spec::Approval(approval.clone());
        self.keep(session, approval.id.0, spec);
        approval
    }

    /// The question `id` of `session`, if this process has seen it.
    pub fn question(&self, session: SessionId, id: QuestionId) -> Option<Arc<Question>> {
        match self.get(session, id.0)? {
            Spec::Question(q) => Some(q),
            Spec::Approval(_) => None,
        }
    }

    /// The approval `id` of `session`, if this process has seen it.
    pub fn approval(&self, session: SessionId, id: ApprovalId) -> Option<Arc<ToolApproval>> {
        match self.get(session, id.0)? {
            Spec::Approval(a) => Some(a),
            Spec::Question(_) => None,
        }
    }

    /// Drops a resolved input's spec (it is of no more use).
    pub fn forget(&self, id: uuid::Uuid) {
        let mut g = self.generations.lock().expect("not poisoned");
        g.newer.remove(&id);
        g.older.remove(&id);
    }

    fn keep(&self, session: SessionId, id: uuid::Uuid, spec: Spec) {
        let mut g = self.generations.lock().expect("not poisoned");
        if g.newer.len() >= GENERATION {
            g.older = std::mem::take(&mut g.newer);
        }
        g.newer.insert(id, (session, spec));
    }

    fn get(&self, session: SessionId, id: uuid::Uuid) -> Option<Spec> {
        let g = self.generations.lock().expect("not poisoned");
        let (owner, spec) = g.newer.get(&id).or_else(|| g.older.get(&id))?;
        (*owner == session).then(|| spec.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ChoiceMode, QuestionOption};

    fn question() -> Question {
        Question {
            id: QuestionId::new_random(),
            text: "Which database?".into(),
            options: vec![QuestionOption {
                id: "pg".into(),
                label: "PostgreSQL".into(),
                description: String::new(),
            }],
            choice_mode: ChoiceMode::Single,
            allow_free_text: false,
            deadline: None,
            default_option_ids: Vec::new(),
            default_text: String::new(),
            answer: None,
        }
    }

    #[test]
    fn a_spec_is_found_only_under_its_own_session_and_kind() {
        let specs = InputSpecs::default();
        let session = SessionId(uuid::Uuid::new_v4());
        let q = question();
        let id = q.id;
        specs.keep_question(session, q);
        assert_eq!(specs.question(session, id).unwrap().text, "Which database?");
        assert!(
            specs
                .question(SessionId(uuid::Uuid::new_v4()), id)
                .is_none()
        );
        assert!(specs.approval(session, ApprovalId(id.0)).is_none());
        specs.forget(id.0);
        assert!(specs.question(session, id).is_none());
    }

    #[test]
    fn the_oldest_generation_goes_when_the_newer_one_fills() {
        let specs = InputSpecs::default();
        let session = SessionId(uuid::Uuid::new_v4());
        let first = question();
        let first_id = first.id;
        specs.keep_question(session, first);
        let mut second_generation = Vec::new();
        for _ in 0..GENERATION {
            let q = question();
            second_generation.push(q.id);
            specs.keep_question(session, q);
        }
        // `first` now sits in the older generation, still found.
        assert!(specs.question(session, first_id).is_some());
        for _ in 0..GENERATION {
            specs.keep_question(session, question());
        }
        assert!(specs.question(session, first_id).is_none(), "dropped");
        assert!(
            specs
                .question(session, *second_generation.last().unwrap())
                .is_some(),
            "the generation after it is kept"
        );
    }
}
