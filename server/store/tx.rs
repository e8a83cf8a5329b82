//! The store's transactions, on kept connections (see `kept`). sqlx's `Transaction` owns a
//! connection from the pool and hands it back when dropped, which pays the pool's test round
//! trip after every commit and runs each transaction on whichever backend was idle longest. A
//! `Tx` runs on a connection taken from the kept list and returns it there once committed, so
//! a path of several transactions (a question asked, an approval requested) runs on warm
//! backends with no extra round trip.
//!
//! Dropped while open (an early return with `?`, a caller gone mid-statement), a `Tx` queues a
//! ROLLBACK on its connection and lets it go to the pool, whose test round trip sends it, as
//! sqlx's `Transaction` does.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::postgres::PgTransactionManager;
use sqlx::{PgConnection, PgPool, TransactionManager};

use super::kept::{Kept, KeptConnection};

pub(in crate::store) struct Tx {
    /// Some until committed.
    conn: Option<KeptConnection>,
}

impl Tx {
    pub(in crate::store) async fn begin(kept: &Arc<Kept>, pool: &PgPool) -> sqlx::Result<Tx> {
        let mut conn = kept.take(pool).await?;
        // A BEGIN that failed leaves nothing open; its connection goes to the pool when dropped.
        PgTransactionManager::begin(&mut conn, None).await?;
        Ok(Tx { conn: Some(conn) })
    }

    pub(in crate::store) async fn commit(mut self) -> sqlx::Result<()> {
        PgTransactionManager::commit(self.open()).await?;
        self.ended();
        Ok(())
    }

    fn open(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("open until ended")
    }

    /// The transaction ended cleanly: the connection goes back to the kept list. (Not called
    /// after a failed COMMIT: the transaction still counts as open, so `Drop` queues the
    /// rollback and the connection goes to the pool, which tests it.)
    fn ended(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.finished(&Ok::<(), sqlx::Error>(()));
        }
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            PgTransactionManager::start_rollback(&mut conn);
            // Dropped unfinished: to the pool, whose test sends the queued ROLLBACK.
            drop(conn);
        }
    }
}

impl Deref for Tx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        self.conn.as_ref().expect("open until ended")
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("open until ended")
    }
}
