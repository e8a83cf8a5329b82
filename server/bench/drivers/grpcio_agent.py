"""switchboard-bench driver: an agent written with Python grpcio and the generated stubs.

switchboard-bench spawns this script with the venv of clients/python and PYTHONPATH set to
clients/python/src (the generated stubs of this checkout; the helpers are not used, so that the
figures are grpcio's and the server's). It writes one JSON object per line on stdout; anything
else it has to say goes to stderr. Times are wall-clock microseconds (time.time_ns), the clock
the bench reads on its side, so that the bench can subtract its own stamps from ours.

    answer --target HOST:PORT --round-trips N [--subscribe]
        per round trip: AskQuestion, then a parked WaitForAnswer (started before the line below
        is written); prints {"event": "waiting", "session": S, "question": Q}; the bench answers
        Q; prints {"event": "answered", "question": Q, "done_us": T} when WaitForAnswer returned.
        --subscribe: as the clients' ask() helpers do, a Subscribe stream from the question's
        seq is open on the same connection during the wait (read in a thread, then cancelled).
    ingest --target HOST:PORT --agents N --warmup-ms W --secs S
        N agents, each on its own connection and session, call LogStep back to back; calls that
        end within the S seconds after the W ms of warm-up are counted; prints
        {"event": "ingest", "ops", "errors", "secs", "latency_us": [...], "first_error"}.

The API key comes in SWITCHBOARD_API_KEY. Any failure exits non-zero with the reason on stderr.
"""

import argparse
import json
import os
import sys
import threading
import time
import uuid

import grpc
from google.protobuf import duration_pb2

from switchboard.v1 import agent_service_pb2 as pb
from switchboard.v1 import agent_service_pb2_grpc as rpc


def emit(**fields):
    print(json.dumps(fields), flush=True)


def now_us():
    return time.time_ns() // 1000


def connect(target):
    # A local subchannel pool gives every channel its own TCP connection, as each Rust agent has;
    # grpcio would otherwise share one connection between channels with the same arguments.
    channel = grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
    grpc.channel_ready_future(channel).result(timeout=10)
    return channel, rpc.AgentServiceStub(channel)


def start_session(stub, metadata, name):
    resp = stub.StartSession(
        pb.StartSessionRequest(agent_name="bench-python", name=name, request_id=str(uuid.uuid4())),
        metadata=metadata,
        timeout=10,
    )
    return resp.session.id


def answer(args, metadata):
    _, stub = connect(args.target)
    session = start_session(stub, metadata, "answer latency (Python grpcio)")
    for i in range(args.round_trips):
        asked = stub.AskQuestion(
            pb.AskQuestionRequest(
                session_id=session,
                text=f"bench question {i}: go ahead?",
                request_id=str(uuid.uuid4()),
                allow_free_text=True,
            ),
            metadata=metadata,
            timeout=10,
        )
        question = asked.question.id
        stream = reader = None
        if args.subscribe:
            stream = stub.Subscribe(pb.SubscribeRequest(session_id=session, after_seq=asked.seq), metadata=metadata)
            reader = threading.Thread(target=drain, args=(stream,))
            reader.start()
        # .future() starts the call and returns at once; result() below is where an agent
        # written with the blocking stub would get its answer.
        waiting = stub.WaitForAnswer.future(
            pb.WaitForAnswerRequest(
                session_id=session,
                question_id=question,
                timeout=duration_pb2.Duration(seconds=10),
            ),
            metadata=metadata,
            timeout=15,
        )
        emit(event="waiting", session=session, question=question)
        resp = waiting.result()
        done = now_us()
        if stream is not None:
            stream.cancel()
            reader.join()
        if not resp.answered:
            raise RuntimeError(f"WaitForAnswer returned without the answer to {question}")
        emit(event="answered", question=question, done_us=done)


def drain(stream):
    try:
        for _ in stream:
            pass
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.CANCELLED:
            print(f"Subscribe failed: {e.code().name}: {e.details()}", file=sys.stderr)


def ingest(args, metadata):
    agents = []
    for i in range(args.agents):
        channel, stub = connect(args.target)
        agents.append((channel, stub, start_session(stub, metadata, f"ingest python {args.agents}x #{i}")))
    measuring = threading.Event()
    stop = threading.Event()
    results = []
    lock = threading.Lock()

    def run(i, stub, session):
        ops, errors, first_error, latency, n = 0, 0, None, [], 0
        while not stop.is_set():
            n += 1
            req = pb.LogStepRequest(
                session_id=session,
                text=f"agent {i} step {n}: ran `cargo test -p switchboard store::sessions`, "
                "42 passed, 0 failed; next: tidy the feed module",
                request_id=str(uuid.uuid4()),
            )
            t0 = time.perf_counter_ns()
            err = None
            try:
                stub.LogStep(req, metadata=metadata, timeout=10)
            except grpc.RpcError as e:
                err = f"{e.code().name}: {e.details()}"
            took_us = (time.perf_counter_ns() - t0) // 1000
            counted = measuring.is_set() and not stop.is_set()
            if err is not None:
                errors += 1
                first_error = first_error or err
            elif counted:
                ops += 1
                latency.append(took_us)
        with lock:
            results.append((ops, errors, first_error, latency))

    threads = [threading.Thread(target=run, args=(i, stub, s)) for i, (_, stub, s) in enumerate(agents)]
    for t in threads:
        t.start()
    time.sleep(args.warmup_ms / 1000)
    measuring.set()
    t0 = time.perf_counter()
    time.sleep(args.secs)
    stop.set()
    secs = time.perf_counter() - t0
    for t in threads:
        t.join()
    emit(
        event="ingest",
        ops=sum(r[0] for r in results),
        errors=sum(r[1] for r in results),
        secs=secs,
        latency_us=[v for r in results for v in r[3]],
        first_error=next((r[2] for r in results if r[2]), None),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    a = sub.add_parser("answer")
    a.add_argument("--target", required=True)
    a.add_argument("--round-trips", type=int, required=True)
    a.add_argument("--subscribe", action="store_true")
    g = sub.add_parser("ingest")
    g.add_argument("--target", required=True)
    g.add_argument("--agents", type=int, required=True)
    g.add_argument("--warmup-ms", type=int, required=True)
    g.add_argument("--secs", type=float, required=True)
    args = parser.parse_args()
    key = os.environ.get("SWITCHBOARD_API_KEY")
    if not key:
        sys.exit("SWITCHBOARD_API_KEY is not set")
    metadata = (("authorization", f"Bearer {key}"),)
    {"answer": answer, "ingest": ingest}[args.mode](args, metadata)


if __name__ == "__main__":
    main()
