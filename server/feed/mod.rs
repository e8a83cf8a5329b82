//! Live delivery. Postgres is the source of truth and a hint only a wake-up: after each commit
//! a writer hands ids and numbers to its process's `notifier`, which raises the local hub's
//! marks at once and NOTIFYs the other processes in batches; one listener connection per
//! process (`listener`) raises the in-memory high-water marks (`hub`) from those NOTIFYs and
//! resyncs them from the store after a reconnect and periodically; every stream (`stream`)
//! reads what it has not yet seen from a shared cache or from the store by cursor. Nothing is
//! pushed into per-watcher buffers, so a slow watcher cannot overflow anything: it simply reads
//! further behind, then catches up. An agent's wait for one answer (`wait`) wakes the same way.

pub mod hub;
pub mod listener;
pub mod notifier;
pub mod stream;
pub mod wait;
pub mod wakers;

pub use hub::Hub;
