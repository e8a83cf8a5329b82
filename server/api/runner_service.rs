//! RunnerService: what runners call, authenticated by runner credential. The Attach stream is
//! the runner's one line to the server: it claims queued launches when the project's launch
//! queue is hinted (LISTEN/NOTIFY, like the feeds: no polling), sends stops when one of its
//! sessions' feed moves to a stop, and records the runner alive on every keep-alive.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_stream::wrappers::{ReceiverStream, WatchStream};
use tokio_stream::{Stream, StreamExt, StreamMap};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::launch_convert::assignment_pb;
use super::requests::session_id;
use super::{AppState, caller, convert};
use crate::domain::launch::{
    MAX_CAPACITY, MAX_LAST_LINES, MAX_LINE_CHARS, MAX_RUNNER_LABELS, MAX_RUNNING_IDS, labels,
};
use crate::domain::{DomainError, RunnerCaller, SessionId, StopReason, validate};
use crate::proto::runner_service_server::RunnerService;
use crate::proto::*;

pub struct RunnerApi {
    state: AppState,
}

impl RunnerApi {
    pub fn new(state: AppState) -> RunnerApi {
        RunnerApi { state }
    }
}

type AttachStream = Pin<Box<dyn Stream<Item = Result<AttachResponse, Status>> + Send>>;

/// A validated Attach.
struct AttachCmd {
    labels: BTreeMap<String, String>,
    capacity: i32,
    running: Vec<SessionId>,
}

impl TryFrom<AttachRequest> for AttachCmd {
    type Error = DomainError;
    fn try_from(req: AttachRequest) -> Result<Self, DomainError> {
        validate::optional_text("name", &req.name, validate::MAX_KEY_NAME_CHARS)?;
        if !(1..=MAX_CAPACITY).contains(&req.capacity) {
            return Err(DomainError::invalid(
                "capacity",
                format!("must be between 1 and {MAX_CAPACITY}"),
            ));
        }
        if req.running_session_ids.len() > MAX_RUNNING_IDS {
            return Err(DomainError::invalid(
                "running_session_ids",
                format!("has more than {MAX_RUNNING_IDS} entries"),
            ));
        }
        let running = req
            .running_session_ids
            .iter()
            .map(|id| validate::uuid("running_session_ids", id).map(SessionId))
            .collect::<Result<_, _>>()?;
        Ok(AttachCmd {
            labels: labels(
                "labels",
                req.labels.into_iter().collect(),
                MAX_RUNNER_LABELS,
            )?,
            capacity: req.capacity,
            running,
        })
    }
}

fn item(item: attach_response::Item) -> Result<AttachResponse, Status> {
    Ok(AttachResponse { item: Some(item) })
}

#[tonic::async_trait]
impl RunnerService for RunnerApi {
    type AttachStream = AttachStream;

    async fn attach(
        &self,
        request: Request<AttachRequest>,
    ) -> Result<Response<Self::AttachStream>, Status> {
        let runner: RunnerCaller = caller(&request)?;
        let cmd = AttachCmd::try_from(request.into_inner())?;
        let attach_id = Uuid::new_v4();
        let store = &self.state.store;
        let attached = store
            .attach_runner(runner, attach_id, &cmd.labels, cmd.capacity, &cmd.running)
            .await?;
        for lost in &attached.lost {
            store
                .end_launched(
                    runner.project_id,
                    *lost,
                    StopReason::RunnerLost,
                    "the runner came back without this session's agent process",
                )
                .await?;
        }
        tracing::info!(runner_id = %runner.runner_id, %attach_id, capacity = cmd.capacity, "runner attached");
        let (tx, rx) = mpsc::channel(16);
        let state = self.state.clone();
        tokio::spawn(async move {
            let ended = serve_attach(&state, runner, attach_id, attached.stop, &tx).await;
            if let Err(e) = state.store.detach_runner(runner.runner_id, attach_id).await {
                tracing::warn!(error = %e, runner_id = %runner.runner_id, "detaching a runner failed; its claims return when it is found lost");
            }
            if let Some(status) = ended {
                let _ = tx.send(Err(status)).await;
            }
            tracing::info!(runner_id = %runner.runner_id, %attach_id, "runner detached");
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn report_started(
        &self,
        request: Request<ReportStartedRequest>,
    ) -> Result<Response<ReportStartedResponse>, Status> {
        let runner: RunnerCaller = caller(&request)?;
        let id = session_id(&request.get_ref().session_id)?;
        self.state.store.report_started(runner, id).await?;
        Ok(Response::new(ReportStartedResponse {}))
    }

    async fn report_exited(
        &self,
        request: Request<ReportExitedRequest>,
    ) -> Result<Response<ReportExitedResponse>, Status> {
        let runner: RunnerCaller = caller(&request)?;
        let req = request.into_inner();
        let id = session_id(&req.session_id)?;
        if req.last_lines.len() > MAX_LAST_LINES {
            return Err(DomainError::invalid(
                "last_lines",
                format!(
                    "has {} lines; the limit is {MAX_LAST_LINES}",
                    req.last_lines.len()
                ),
            )
            .into());
        }
        for line in &req.last_lines {
            validate::optional_text("last_lines", line, MAX_LINE_CHARS)?;
        }
        let session = self
            .state
            .store
            .report_exited(runner, id, req.exit_code, &req.last_lines)
            .await?;
        tracing::info!(session_id = %id, exit_code = req.exit_code, status = session.status.name(), "launched agent exited");
        Ok(Response::new(ReportExitedResponse {
            session: Some(convert::session(session)),
        }))
    }
}

/// Runs one Attach stream until the runner goes away, is replaced or revoked, or the server
/// stops; returns the status to end the stream with, if any.
async fn serve_attach(
    state: &AppState,
    runner: RunnerCaller,
    attach_id: Uuid,
    initial_stops: Vec<SessionId>,
    tx: &mpsc::Sender<Result<AttachResponse, Status>>,
) -> Option<Status> {
    let store = &state.store;
    let settings = &state.settings.sessions;
    let grace = settings.runner_kill_grace();
    let stop_item = |session: SessionId, reason: String| {
        item(attach_response::Item::Stop(StopAssignment {
            session_id: session.to_string(),
            grace: Some(prost_types::Duration {
                seconds: grace.as_secs() as i64,
                nanos: grace.subsec_nanos() as i32,
            }),
            reason,
        }))
    };
    let attached = item(attach_response::Item::Attached(Attached {
        runner_id: runner.runner_id.to_string(),
        project_id: runner.project_id.to_string(),
    }));
    if tx.send(attached).await.is_err() {
        return None;
    }
    let mut stopped: HashSet<SessionId> = HashSet::new();
    for s in initial_stops {
        stopped.insert(s);
        let order = stop_item(s, "not a running session of this runner".into());
        if tx.send(order).await.is_err() {
            return None;
        }
    }
    // Subscribed before the first claim: a launch queued after it raises the mark.
    let queue = state.hub.launch_queue(runner.project_id);
    let mut queue_changes = WatchStream::from_changes(queue.subscribe());
    let mut followed: StreamMap<SessionId, WatchStream<crate::feed::hub::Mark>> = StreamMap::new();
    // Held while followed: the hub keeps a session's channel only while someone holds it.
    let mut channels: HashMap<SessionId, Arc<crate::feed::hub::SessionChannel>> = HashMap::new();
    let mut tick = tokio::time::interval(settings.runner_keepalive());
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        match store.claim_launches(runner, attach_id).await {
            Ok(assignments) => {
                for a in assignments {
                    tracing::info!(session_id = %a.session_id, runner_id = %runner.runner_id, "launch assigned");
                    if tx
                        .send(item(attach_response::Item::Assignment(assignment_pb(a))))
                        .await
                        .is_err()
                    {
                        return None;
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "claiming launches failed"),
        }
        match store.runner_sessions(runner.runner_id).await {
            Ok(ids) => {
                // Sessions no longer the runner's (exited, requeued) are let go.
                channels.retain(|id, _| ids.contains(id));
                let gone: Vec<SessionId> = followed
                    .keys()
                    .filter(|id| !channels.contains_key(id))
                    .copied()
                    .collect();
                for id in gone {
                    followed.remove(&id);
                }
                for id in ids {
                    if !followed.contains_key(&id) {
                        let ch = state.hub.session(id);
                        followed.insert(id, WatchStream::from_changes(ch.subscribe()));
                        channels.insert(id, ch);
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading a runner's sessions failed"),
        }
        match store.runner_stops(runner.runner_id).await {
            Ok(orders) => {
                for order in orders {
                    if stopped.insert(order.session_id)
                        && tx
                            .send(stop_item(order.session_id, order.reason))
                            .await
                            .is_err()
                    {
                        return None;
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading a runner's stops failed"),
        }
        tokio::select! {
            _ = queue_changes.next() => {}
            Some(_) = followed.next(), if !followed.is_empty() => {}
            _ = tick.tick() => {
                match store.runner_alive(runner.runner_id, attach_id).await {
                    Ok(true) => {}
                    Ok(false) => {
                        return Some(Status::failed_precondition(
                            "this Attach was replaced by a newer one of the same runner, or the runner was revoked",
                        ));
                    }
                    Err(e) => tracing::warn!(error = %e, "recording a runner alive failed"),
                }
                let beat = item(attach_response::Item::Heartbeat(convert::heartbeat(0)));
                if tx.send(beat).await.is_err() {
                    return None;
                }
            }
            _ = tx.closed() => return None,
            _ = state.shutdown.cancelled() => {
                return Some(Status::unavailable("the server is shutting down; attach again (to any replica)"));
            }
        }
    }
}
