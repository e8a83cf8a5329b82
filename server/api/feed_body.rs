//! The response body of a watch stream (WatchSession, Subscribe): gRPC frames straight from the
//! feed, a message's frame shared by every watcher of its session.
//!
//! tonic's own server-streaming body maps the feed's items, encodes each into a buffer of the
//! stream's own (a copy per watcher) and boxes the result; with 10,000 watchers of a session a
//! delivery touched those layers' state for every stream (issue 18, BENCHMARKS.md §16 and §17).
//! Here a message is framed once per process (`FeedMessage::wire`) and a delivery hands out a
//! reference to those bytes; frames that are ready together go out as one, and the status the
//! feed ends with becomes the trailers, as tonic would send them.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{BufMut, Bytes, BytesMut};
use http_body::Frame;
use tonic::Status;

use super::encoded_feed::{EncodedStream, Wire};

/// Stop gathering ready frames into one once this much is ready (tonic's default).
const YIELD_THRESHOLD: usize = 32 * 1024;

/// The length-prefixed gRPC frame (uncompressed) carrying `message`.
pub fn frame(message: &impl prost::Message) -> Bytes {
    let len = message.encoded_len();
    let mut buf = BytesMut::with_capacity(5 + len);
    buf.put_u8(0);
    buf.put_u32(u32::try_from(len).unwrap_or(u32::MAX));
    message
        .encode(&mut buf)
        .expect("the buffer has room for the encoded length");
    buf.freeze()
}

fn framed(wire: Wire) -> Bytes {
    match wire {
        Wire::Message(m) => m.wire(super::encoded_feed::frame_message).clone(),
        Wire::Bytes(b) => b,
    }
}

/// A feed's frames, then its status as trailers.
pub struct FeedBody {
    feed: Option<EncodedStream>,
    /// The trailers to send once the frames gathered with them have gone.
    end: Option<Status>,
}

impl FeedBody {
    pub fn new(feed: EncodedStream) -> FeedBody {
        FeedBody {
            feed: Some(feed),
            end: None,
        }
    }

    fn trailers(&mut self, status: Status) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        self.feed = None;
        let mut trailers = http::HeaderMap::with_capacity(3);
        match status.add_header(&mut trailers) {
            Ok(()) => Poll::Ready(Some(Ok(Frame::trailers(trailers)))),
            Err(unrepresentable) => Poll::Ready(Some(Err(unrepresentable))),
        }
    }
}

impl http_body::Body for FeedBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = &mut *self;
        if let Some(status) = this.end.take() {
            return this.trailers(status);
        }
        let Some(feed) = this.feed.as_mut() else {
            return Poll::Ready(None);
        };
        // The first ready frame as it is (shared); a copy only when several go out together.
        let mut first: Option<Bytes> = None;
        let mut gathered: Option<BytesMut> = None;
        let end = loop {
            let ready = if first.is_none() {
                ready!(feed.poll_wire(cx))
            } else {
                match feed.poll_wire(cx) {
                    Poll::Ready(item) => item,
                    Poll::Pending => break None,
                }
            };
            match ready {
                Some(Ok(wire)) => {
                    let bytes = framed(wire);
                    match (&first, &mut gathered) {
                        (None, _) => first = Some(bytes),
                        (Some(_), Some(buf)) => buf.put_slice(&bytes),
                        (Some(head), None) => {
                            let mut buf = BytesMut::with_capacity(head.len() + bytes.len());
                            buf.put_slice(head);
                            buf.put_slice(&bytes);
                            gathered = Some(buf);
                        }
                    }
                    let len = gathered
                        .as_ref()
                        .map_or_else(|| first.as_ref().map_or(0, Bytes::len), BytesMut::len);
                    if len >= YIELD_THRESHOLD {
                        break None;
                    }
                }
                Some(Err(status)) => break Some(status),
                None => break Some(Status::ok("")),
            }
        };
        let data = gathered.map(BytesMut::freeze).or(first);
        match (data, end) {
            (Some(data), end) => {
                this.end = end;
                Poll::Ready(Some(Ok(Frame::data(data))))
            }
            (None, Some(status)) => this.trailers(status),
            (None, None) => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.feed.is_none() && self.end.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::encoded_feed::encoded_feed;
    use crate::domain::DomainError;
    use crate::feed::stream::FeedItem;
    use http_body_util::BodyExt;

    type Delivered = Result<FeedItem<std::sync::Arc<crate::feed::hub::FeedMessage>>, DomainError>;

    fn heartbeat(high_water: i64) -> Delivered {
        Ok(FeedItem::Heartbeat { high_water })
    }

    /// The high-water marks of the heartbeat frames in `data`, checking each frame's prefix.
    fn high_waters(mut data: &[u8]) -> Vec<i64> {
        use crate::proto::{WatchSessionResponse, watch_session_response::Item};
        use prost::Message as _;
        let mut marks = Vec::new();
        while !data.is_empty() {
            assert_eq!(data[0], 0, "uncompressed");
            let len = u32::from_be_bytes(data[1..5].try_into().unwrap()) as usize;
            let response = WatchSessionResponse::decode(&data[5..5 + len]).expect("a frame");
            match response.item {
                Some(Item::Heartbeat(hb)) => marks.push(hb.high_water),
                other => panic!("expected a heartbeat, got {other:?}"),
            }
            data = &data[5 + len..];
        }
        marks
    }

    async fn next_data(body: &mut FeedBody) -> Bytes {
        let frame = body.frame().await.expect("a frame").expect("no error");
        frame.into_data().expect("a data frame")
    }

    async fn next_trailers(body: &mut FeedBody) -> http::HeaderMap {
        let frame = body.frame().await.expect("a frame").expect("no error");
        frame.into_trailers().expect("the trailers")
    }

    fn body(items: Vec<Delivered>) -> FeedBody {
        FeedBody::new(encoded_feed(Box::pin(tokio_stream::iter(items)), ()))
    }

    #[tokio::test]
    async fn frames_ready_together_go_out_as_one_then_the_status_as_trailers() {
        let mut body = body(vec![
            heartbeat(1),
            heartbeat(2),
            Err(DomainError::Unavailable(
                "the server is shutting down".into(),
            )),
        ]);
        let data = next_data(&mut body).await;
        assert_eq!(high_waters(&data), [1, 2]);
        let trailers = next_trailers(&mut body).await;
        assert_eq!(trailers["grpc-status"], "14");
        assert_eq!(
            trailers["grpc-message"],
            "the%20server%20is%20shutting%20down"
        );
        assert!(body.frame().await.is_none());
        assert!(http_body::Body::is_end_stream(&body));
    }

    #[tokio::test]
    async fn a_feed_that_ends_ends_with_ok() {
        let collected = body(vec![heartbeat(7)]).collect().await.unwrap();
        let trailers = collected.trailers().cloned().unwrap();
        assert_eq!(trailers["grpc-status"], "0");
        assert_eq!(high_waters(&collected.to_bytes()), [7]);
    }

    #[tokio::test]
    async fn a_pending_feed_hands_out_what_is_ready() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let feed = tokio_stream::wrappers::ReceiverStream::new(rx);
        let mut body = FeedBody::new(encoded_feed(Box::pin(feed), ()));
        tx.send(heartbeat(3)).await.unwrap();
        let data = next_data(&mut body).await;
        assert_eq!(high_waters(&data), [3]);
        drop(tx);
        let trailers = next_trailers(&mut body).await;
        assert_eq!(trailers["grpc-status"], "0");
    }
}
