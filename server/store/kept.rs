//! Connections kept beside the pool for the single statements of hot paths. sqlx tests every
//! connection handed back to its pool with a round trip of its own, in a task spawned for it,
//! because a caller that stopped waiting mid-statement may have left it mid-exchange. A
//! statement that ran to its end (a result, or an ERROR) leaves its connection ready for the
//! next one, so such a connection goes back to a short list of its own instead, with no round
//! trip. One whose caller went away mid-statement, or whose statement ended the connection, is
//! dropped to the pool, which tests it as before.
//!
//! A kept connection counts against the pool's size like a checked-out one, so the list is
//! short; when it is empty a connection comes from the pool.
//!
//! Transactions (`store::tx::Tx`) take theirs here too, and give it back once committed.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};

use super::errors::leaves_connection_ready;

/// Most connections kept at once: enough for the statements in flight together on a busy server
/// (more in flight take theirs from the pool), and never more than an eighth of the pool, so that
/// a small pool is not left waiting on connections kept idle here (one of 8, none under 8).
fn most_kept(pool_size: u32) -> usize {
    (pool_size / 8).min(4) as usize
}

#[derive(Default)]
pub(in crate::store) struct Kept {
    idle: Mutex<Vec<PoolConnection<Postgres>>>,
}

impl Kept {
    pub(in crate::store) async fn take(
        self: &Arc<Self>,
        pool: &PgPool,
    ) -> Result<KeptConnection, sqlx::Error> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => pool.acquire().await?,
        };
        Ok(KeptConnection {
            conn: Some(conn),
            home: self.clone(),
            pool_size: pool.options().get_max_connections(),
        })
    }
}

/// A connection taken for one statement. Give it back with [`KeptConnection::finished`] once
/// the statement ended; dropped without that (its caller went away), it goes to the pool.
pub(in crate::store) struct KeptConnection {
    conn: Option<PoolConnection<Postgres>>,
    home: Arc<Kept>,
    pool_size: u32,
}

impl KeptConnection {
    /// The statement ended with `result`: the connection is kept when that left it ready.
    pub(in crate::store) fn finished<T>(mut self, result: &Result<T, sqlx::Error>) {
        if result.as_ref().err().is_none_or(leaves_connection_ready) {
            let mut idle = self.home.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < most_kept(self.pool_size)
                && let Some(conn) = self.conn.take()
            {
                idle.push(conn);
            }
        }
    }
}

impl Deref for KeptConnection {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        self.conn.as_ref().expect("held until finished")
    }
}

impl DerefMut for KeptConnection {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("held until finished")
    }
}

#[cfg(test)]
mod tests {
    use super::most_kept;

    #[test]
    fn a_small_pool_keeps_few_connections_or_none() {
        assert_eq!(most_kept(1), 0);
        assert_eq!(most_kept(7), 0);
        assert_eq!(most_kept(8), 1);
        assert_eq!(most_kept(16), 2);
        assert_eq!(most_kept(32), 4);
        assert_eq!(most_kept(300), 4);
    }
}
