//! Write bursts on one connection coalesced into fewer system calls (issue 18, fan-out).
//!
//! Each HTTP/2 stream's response is sent by a task of its own, which hands its frame to the
//! connection's task and wakes it; tokio runs a task woken that way next (its LIFO slot), so
//! when a step reaches the 100 watchers on one connection, the connection's task would write
//! after each of them: one `writev` per delivery, and over loopback the receiving side's work
//! is charged to the sender too. During a burst (the connection wrote in the last 2 ms) this
//! wrapper makes a flush wait for a turn of the scheduler, and for another one as long as the
//! connection's task was woken during the last (another stream handed it a frame), up to 2 ms:
//! the frames that arrive meanwhile go out in the same `writev`. A write after a quiet moment
//! goes at once, and so does one whose turn passed with nothing new (a unary reply waits one
//! turn at most, which on an idle worker ends at once).
//!
//! A turn ends when tokio runs the wake-up it deferred for `yield_now`: once the worker has
//! nothing queued, or after 61 other tasks. The turn is observed through a waker of our own, so
//! that polls of the connection's task for other reasons (each new frame wakes it) do not end
//! it early.
//!
//! Measured (BENCHMARKS.md §16): at 10,000 watchers on 100 connections, 0.74 → 0.34 `writev`
//! per delivery, server CPU per delivery 10.5 → 9.2 µs, p99 100–187 → 81–86 ms. A burst of 200
//! µs (the first version) caught almost nothing there: each connection's frames arrive about
//! 0.5 ms apart, interleaved with the other 99 connections'.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tonic::transport::server::Connected;

/// Writes closer together than this are one burst (a connection with 100 watchers of a busy
/// session gets a frame about every 0.5 ms while the step fans out).
const BURST: Duration = Duration::from_millis(2);
/// Most turns one flush waits, while frames keep arriving (2 ms is the bound in practice).
const MAX_TURNS: u8 = 64;
/// Longest one flush waits, whatever arrives: the most a reply is delayed on a busy connection.
const MAX_WAIT: Duration = Duration::from_millis(2);

pub struct CoalescedWrites<T> {
    inner: T,
    /// When this connection last wrote.
    last_write: Option<Instant>,
    /// The current flush has already waited.
    waited: bool,
    /// The turn being waited.
    turn: Option<Turn>,
}

/// One turn of the scheduler being waited: tokio's yield, polled with a waker of our own so
/// that the turn ends when the scheduler wakes it (not when anything else polls this task).
struct Turn {
    ended: Arc<TurnEnd>,
    /// Since the first turn of this flush.
    since: Instant,
    turns: u8,
    /// The connection's task ran during this turn (a stream handed it a frame, or the peer
    /// sent something): the burst goes on.
    busy: bool,
}

struct TurnEnd {
    ended: AtomicBool,
    task: Waker,
}

impl Wake for TurnEnd {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.ended.store(true, Ordering::Release);
        self.task.wake_by_ref();
    }
}

impl Turn {
    fn start(cx: &Context<'_>, since: Instant, turns: u8) -> Turn {
        let ended = Arc::new(TurnEnd {
            ended: AtomicBool::new(false),
            task: cx.waker().clone(),
        });
        // tokio's yield defers its wake-up until the worker has run what is queued (or 61
        // other tasks), which is when the other streams have added their frames. Its first
        // poll registers that wake-up and is always pending; the future is not needed after.
        let waker = Waker::from(ended.clone());
        let yielding = std::pin::pin!(tokio::task::yield_now());
        let _ = yielding.poll(&mut Context::from_waker(&waker));
        Turn {
            ended,
            since,
            turns,
            busy: false,
        }
    }
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

    /// Whether this write waits: only the first of a flush, only within a burst, and for as
    /// many turns as frames keep arriving (at most `MAX_TURNS`, `MAX_WAIT`).
    fn waits(&mut self, cx: &mut Context<'_>) -> bool {
        if let Some(turn) = self.turn.as_mut() {
            if !turn.ended.ended.load(Ordering::Acquire) {
                turn.busy = true;
                return true;
            }
            let again = turn.busy && turn.turns < MAX_TURNS && turn.since.elapsed() < MAX_WAIT;
            let (since, turns) = (turn.since, turn.turns + 1);
            self.turn = again.then(|| Turn::start(cx, since, turns));
            return again;
        }
        if self.waited || self.last_write.is_none_or(|t| t.elapsed() >= BURST) {
            return false;
        }
        self.waited = true;
        self.turn = Some(Turn::start(cx, Instant::now(), 1));
        true
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
    async fn a_burst_waits_while_frames_arrive_and_a_write_after_quiet_goes_at_once() {
        let (near, mut far) = tokio::io::duplex(1 << 16);
        let mut w = CoalescedWrites::new(near);
        // The first write: nothing written lately.
        assert_eq!(write(&mut w, b"one "), Poll::Ready(4));
        flush(&mut w);
        // Right after it: a burst. The flush's first write waits a turn of the scheduler.
        assert_eq!(write(&mut w, b"two "), Poll::Pending);
        // Polled again before the turn ended (another frame arrived): still waiting, and the
        // burst goes on, so when the turn ends another one starts.
        assert_eq!(write(&mut w, b"two "), Poll::Pending);
        tokio::task::yield_now().await;
        assert_eq!(write(&mut w, b"two "), Poll::Pending, "a second turn");
        tokio::task::yield_now().await;
        // Nothing arrived during the second turn: the write goes, and the rest of the same
        // flush does not wait again.
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

    #[tokio::test]
    async fn a_flush_waits_at_most_max_turns_however_busy() {
        let (near, _far) = tokio::io::duplex(1 << 16);
        let mut w = CoalescedWrites::new(near);
        assert_eq!(write(&mut w, b"a"), Poll::Ready(1));
        flush(&mut w);
        let mut turns = 0;
        loop {
            // Busy: polled twice in every turn.
            if write(&mut w, b"b") == Poll::Ready(1) {
                break;
            }
            assert_eq!(write(&mut w, b"b"), Poll::Pending);
            turns += 1;
            assert!(turns <= MAX_TURNS as usize, "waited {turns} turns");
            tokio::task::yield_now().await;
        }
        assert_eq!(turns, MAX_TURNS as usize);
    }
}
