//! Write bursts on one connection coalesced into one system call (issue 18, fan-out).
//!
//! Each HTTP/2 stream's response is sent by a task of its own, which hands its frame to the
//! connection's task and wakes it; tokio runs a task woken that way next (its LIFO slot), so
//! when a step reaches the 100 watchers on one connection, the connection's task wrote after
//! each of them: one `writev` per delivery (85,000 a second at 10,000 watchers, a quarter of
//! the server's CPU in the kernel). During a burst (the connection wrote moments ago) this
//! wrapper lets the connection's first write wait for one turn of the scheduler: the other
//! streams' tasks, already queued, add their frames meanwhile, and one `writev` sends them.
//! A write after a quiet moment (a unary reply, the first frame of a burst) goes out at once.
//!
//! Measured (BENCHMARKS.md §14): 0.85 → 0.58 `writev` per delivery at 10,000 watchers on 100
//! connections. Not fewer, because a turn is short (tokio wakes a yielding task again after at
//! most 61 other tasks) and the queued streams belong to all 100 connections; waiting longer
//! (a timer) would add latency to every busy connection, replies to multiplexed unary calls
//! included.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tonic::transport::server::Connected;

/// Writes closer together than this are one burst.
const BURST: Duration = Duration::from_micros(200);

pub struct CoalescedWrites<T> {
    inner: T,
    /// When this connection last wrote.
    last_write: Option<Instant>,
    /// The current flush has already waited its turn.
    waited: bool,
    /// The turn being waited.
    turn: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl<T> CoalescedWrites<T> {
    pub fn new(inner: T) -> CoalescedWrites<T> {
        CoalescedWrites {
            inner,
            last_write: None,
            waited: false,
            turn: None,
        }
    }

    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// Whether this write waits a turn: only the first of a flush, only within a burst.
    fn waits(&mut self, cx: &mut Context<'_>) -> bool {
        if let Some(turn) = self.turn.as_mut() {
            if turn.as_mut().poll(cx).is_pending() {
                return true;
            }
            self.turn = None;
            return false;
        }
        if self.waited || self.last_write.is_none_or(|t| t.elapsed() >= BURST) {
            return false;
        }
        self.waited = true;
        // tokio's yield wakes the task once the worker has run what is queued (it defers the
        // wake-up), which is when the other streams have added their frames.
        let mut turn: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(tokio::task::yield_now());
        let pending = turn.as_mut().poll(cx).is_pending();
        if pending {
            self.turn = Some(turn);
        }
        pending
    }

    /// One write of the inner stream, after its turn if it waits one.
    fn write_with(
        &mut self,
        cx: &mut Context<'_>,
        write: impl FnOnce(Pin<&mut T>, &mut Context<'_>) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>>
    where
        T: Unpin,
    {
        if self.waits(cx) {
            return Poll::Pending;
        }
        let result = write(Pin::new(&mut self.inner), cx);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.last_write = Some(Instant::now());
        }
        result
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for CoalescedWrites<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for CoalescedWrites<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .write_with(cx, |io, cx| io.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .write_with(cx, |io, cx| io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let flushed = Pin::new(&mut this.inner).poll_flush(cx);
        if flushed.is_ready() {
            this.waited = false;
        }
        flushed
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

impl<T: Connected> Connected for CoalescedWrites<T> {
    type ConnectInfo = T::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.inner.connect_info()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn write(w: &mut CoalescedWrites<tokio::io::DuplexStream>, bytes: &[u8]) -> Poll<usize> {
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        match Pin::new(w).poll_write(&mut cx, bytes) {
            Poll::Ready(written) => Poll::Ready(written.expect("written")),
            Poll::Pending => Poll::Pending,
        }
    }

    fn flush(w: &mut CoalescedWrites<tokio::io::DuplexStream>) {
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        assert!(Pin::new(w).poll_flush(&mut cx).is_ready());
    }

    #[tokio::test]
    async fn a_burst_waits_one_turn_per_flush_and_a_write_after_quiet_goes_at_once() {
        let (near, mut far) = tokio::io::duplex(1 << 16);
        let mut w = CoalescedWrites::new(near);
        // The first write: nothing written lately.
        assert_eq!(write(&mut w, b"one "), Poll::Ready(4));
        flush(&mut w);
        // Right after it: a burst. The flush's first write waits one turn, then goes; the rest
        // of the same flush does not wait again.
        assert_eq!(write(&mut w, b"two "), Poll::Pending);
        assert_eq!(write(&mut w, b"two "), Poll::Ready(4));
        assert_eq!(write(&mut w, b"three "), Poll::Ready(6));
        flush(&mut w);
        // After a quiet moment, at once again.
        tokio::time::sleep(BURST * 5).await;
        assert_eq!(write(&mut w, b"four"), Poll::Ready(4));
        flush(&mut w);
        drop(w);
        let mut sent = String::new();
        far.read_to_string(&mut sent).await.unwrap();
        assert_eq!(sent, "one two three four", "every byte once, in order");
    }
}
