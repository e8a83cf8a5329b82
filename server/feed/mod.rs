//! Live delivery. Postgres is the source of truth and NOTIFY only a hint: writers notify ids
//! and numbers at commit; one listener connection per process (`listener`) raises in-memory
//! high-water marks (`hub`); every stream (`stream`) reads what it has not yet seen from a
//! shared cache or from the store by cursor. Nothing is pushed into per-watcher buffers, so a
//! slow watcher cannot overflow anything: it simply reads further behind, then catches up.

pub mod hub;
pub mod listener;
pub mod stream;

pub use hub::Hub;
