"""Pieces shared by the sync and asyncio helpers: channels, auth, retry policy, request building."""
from __future__ import annotations

import collections
import dataclasses
import datetime as _dt
import json
import os
import random
import re
import uuid
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

import grpc
from google.protobuf import duration_pb2

from switchboard.v1 import agent_service_pb2 as agent_pb
from switchboard.v1 import model_pb2 as model

ENV_URL = "SWITCHBOARD_URL"
# A PEM file of CA certificates trusted for https:// URLs instead of the system's roots (a private CA).
ENV_CA_FILE = "SWITCHBOARD_CA_FILE"
ENV_API_KEY = "SWITCHBOARD_API_KEY"
# A file holding the API key, read when SWITCHBOARD_API_KEY is unset (a Kubernetes launch mounts
# the session's credential as a file, never a variable).
ENV_API_KEY_FILE = "SWITCHBOARD_API_KEY_FILE"

TERMINAL_STATUSES = frozenset({
    model.SESSION_STATUS_COMPLETED,
    model.SESSION_STATUS_FAILED,
    model.SESSION_STATUS_STOPPED,
})

# Longest wait asked of the server per WaitForAnswer call; the helper loops on answered=false.
WAIT_CHUNK_SECONDS = 60.0
# Extra client-side deadline on top of a server-side wait, so the server answers first.
WAIT_GRACE_SECONDS = 15.0
MAX_TEXT = 16384


class SwitchboardError(Exception):
    """Base class of the helper's own errors (gRPC failures stay grpc.RpcError)."""


class StopRequested(SwitchboardError):
    """A person asked the agent to stop (the session is STOPPING) while it was waiting."""


class SessionEnded(SwitchboardError):
    """The session reached a terminal status (COMPLETED, FAILED or STOPPED)."""


class AnswerTimeout(SwitchboardError, TimeoutError):
    """The local `wait_timeout` of ask()/wait_for_answer() passed with no answer."""


class ApprovalTimeout(SwitchboardError, TimeoutError):
    """The local `wait_timeout` of request_approval()/wait_for_approval() passed with no decision."""


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How calls that failed with a retryable code are retried (writes keep their request_id).

    Defaults: 6 attempts, exponential backoff from 0.2 s up to 5 s with jitter (about 6 s total).
    """

    max_attempts: int = 6
    initial_backoff: float = 0.2
    max_backoff: float = 5.0
    multiplier: float = 2.0
    retryable_codes: Tuple[grpc.StatusCode, ...] = (grpc.StatusCode.UNAVAILABLE,)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt` (0-based), with +-20% jitter."""
        base = min(self.max_backoff, self.initial_backoff * (self.multiplier ** attempt))
        return base * random.uniform(0.8, 1.2)

    def should_retry(self, err: grpc.RpcError, attempt: int) -> bool:
        code = err.code() if hasattr(err, "code") else None
        return code in self.retryable_codes and attempt + 1 < self.max_attempts


def new_request_id() -> str:
    """A fresh client request id (UUID v4) for one logical write."""
    return str(uuid.uuid4())


def parse_url(url: str) -> Tuple[str, bool]:
    """Returns (host:port target, secure) for http://, https:// or bare host:port URLs."""
    url = url.strip()
    secure = False
    if url.startswith("https://"):
        secure, rest = True, url[len("https://"):]
    elif url.startswith("http://"):
        rest = url[len("http://"):]
    else:
        rest = url
    rest = rest.split("/", 1)[0]
    if not rest:
        raise ValueError(f"no host in Switchboard URL {url!r}")
    if ":" not in rest.rsplit("]", 1)[-1]:
        rest += ":443" if secure else ":80"
    return rest, secure


def env_or(value: Optional[str], name: str) -> str:
    if value:
        return value
    env = os.environ.get(name)
    if not env:
        raise SwitchboardError(f"{name} is not set (and no value was passed)")
    return env


def api_key_from_env() -> str:
    """The API key: $SWITCHBOARD_API_KEY when set and not blank, else the contents of the file
    $SWITCHBOARD_API_KEY_FILE names, surrounding whitespace (the file's trailing newline) trimmed.
    The same rules as every other Switchboard client."""
    key = os.environ.get(ENV_API_KEY, "").strip()
    if key:
        return key
    path = os.environ.get(ENV_API_KEY_FILE)
    if not path:
        raise SwitchboardError(f"{ENV_API_KEY} is not set (nor {ENV_API_KEY_FILE}, and no key was passed)")
    try:
        with open(path, encoding="utf-8") as f:
            key = f.read().strip()
    except (OSError, UnicodeDecodeError) as e:
        raise SwitchboardError(f"{ENV_API_KEY_FILE}={json.dumps(path)} cannot be used: {e}") from e
    if not key:
        raise SwitchboardError(f"{ENV_API_KEY_FILE}={json.dumps(path)} cannot be used: it is empty")
    return key


class _CallDetails(collections.namedtuple(
        "_CallDetails", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")),
        grpc.ClientCallDetails):
    pass


def _with_auth(metadata: Optional[Sequence[Tuple[str, Any]]], token: str):
    md = [kv for kv in (metadata or ()) if kv[0].lower() != "authorization"]
    md.append(("authorization", f"Bearer {token}"))
    return md


class BearerAuthInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                            grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds `authorization: Bearer <token>` to every call of a sync channel."""

    def __init__(self, token: str):
        self._token = token

    def _details(self, d):
        return _CallDetails(d.method, d.timeout, _with_auth(d.metadata, self._token), d.credentials,
                            d.wait_for_ready, getattr(d, "compression", None))

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_unary_stream(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return continuation(self._details(client_call_details), request_iterator)

    def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        return continuation(self._details(client_call_details), request_iterator)


def tls_credentials(ca_file: Optional[str] = None) -> grpc.ChannelCredentials:
    """TLS credentials trusting `ca_file` (default $SWITCHBOARD_CA_FILE), else the system's roots.
    The server's certificate is always verified, name included."""
    path = ca_file or os.environ.get(ENV_CA_FILE) or None
    if path is None:
        return grpc.ssl_channel_credentials()
    try:
        with open(path, "rb") as f:
            roots = f.read()
    except OSError as e:
        raise SwitchboardError(f"cannot read the CA file {path!r} ({ENV_CA_FILE}): {e}") from e
    if b"-----BEGIN CERTIFICATE-----" not in roots:
        raise SwitchboardError(f"the CA file {path!r} ({ENV_CA_FILE}) holds no PEM certificate")
    return grpc.ssl_channel_credentials(root_certificates=roots)


def connect(url: Optional[str] = None, token: Optional[str] = None, *,
            interceptors: Iterable[Any] = (), options: Sequence[Tuple[str, Any]] = (),
            ca_file: Optional[str] = None) -> grpc.Channel:
    """A sync channel to `url` (default $SWITCHBOARD_URL) sending `token` as bearer auth on every
    call (an API key for AgentService, an access token for DashboardService; None for AuthService).
    http:// URLs use plaintext HTTP/2, https:// uses TLS verified against the system's roots or
    `ca_file` (default $SWITCHBOARD_CA_FILE). Extra `interceptors` run after auth."""
    target, secure = parse_url(env_or(url, ENV_URL))
    if secure:
        channel = grpc.secure_channel(target, tls_credentials(ca_file), options=list(options))
    else:
        channel = grpc.insecure_channel(target, options=list(options))
    chain = ([BearerAuthInterceptor(token)] if token else []) + list(interceptors)
    return grpc.intercept_channel(channel, *chain) if chain else channel


# ---- request building -------------------------------------------------------------------------

# Option ids derived from labels: the same rule in every client helper, checked against the shared
# vectors in clients/testdata/option_ids.json. Only ASCII letters are lower-cased so that the result
# does not depend on each language's Unicode case tables.
_NOT_ID_RE = re.compile(r"[^a-z0-9_.]+")
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
MAX_OPTION_ID = 64

OptionLike = Union[str, Tuple[str, str], Tuple[str, str, str], Mapping[str, str], model.QuestionOption]


def option_slug(label: str) -> str:
    """The id part derived from one label ("Ship it" -> "ship-it"); may be empty."""
    slug = _NOT_ID_RE.sub("-", label.translate(_ASCII_LOWER)).strip("-.")
    return slug[:MAX_OPTION_ID].rstrip("-.")


def _derived_id(label: str, position: int, taken: set) -> str:
    oid = option_slug(label)
    if oid and oid not in taken:
        return oid
    oid = base = f"option-{position}"
    n = 1
    while oid in taken:
        n += 1
        oid = f"{base}-{n}"
    return oid


def build_options(options: Union[None, Mapping[str, str], Sequence[OptionLike]]) -> list:
    """Normalises the `options` argument of ask() into QuestionOption messages.

    Accepts: a list of labels (ids derived from the labels: "Ship it" -> "ship-it"; an empty or
    repeated one becomes "option-N"), a mapping {id: label}, (id, label[, description]) tuples,
    {"id", "label", "description"} dicts (id optional) or QuestionOption messages."""
    if not options:
        return []
    if isinstance(options, Mapping):
        options = list(options.items())
    out, taken = [], set()
    for i, opt in enumerate(options):
        if isinstance(opt, model.QuestionOption):
            qo = model.QuestionOption()
            qo.CopyFrom(opt)
        elif isinstance(opt, str):
            qo = model.QuestionOption(id=_derived_id(opt, i + 1, taken), label=opt)
        elif isinstance(opt, Mapping):
            qo = model.QuestionOption(id=opt.get("id") or _derived_id(opt["label"], i + 1, taken),
                                      label=opt["label"], description=opt.get("description", ""))
        else:
            qo = model.QuestionOption(id=opt[0], label=opt[1], description=opt[2] if len(opt) > 2 else "")
        taken.add(qo.id)
        out.append(qo)
    return out


def to_duration(value: Union[None, float, int, _dt.timedelta]) -> Optional[duration_pb2.Duration]:
    if value is None:
        return None
    d = duration_pb2.Duration()
    if isinstance(value, _dt.timedelta):
        d.FromTimedelta(value)
    else:
        d.FromNanoseconds(int(round(float(value) * 1e9)))
    return d


def to_seconds(value: Union[None, float, int, _dt.timedelta]) -> Optional[float]:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, _dt.timedelta) else float(value)


def build_ask(session_id: str, question: str, options, *, multiple: bool, allow_free_text: bool,
              timeout, default, default_text: str, request_id: str) -> agent_pb.AskQuestionRequest:
    opts = build_options(options)
    if isinstance(default, str):
        default = [default]
    by_label = {o.label: o.id for o in opts}
    default_ids = [by_label.get(d, d) for d in (default or [])]
    req = agent_pb.AskQuestionRequest(
        session_id=session_id, text=question, options=opts,
        choice_mode=model.CHOICE_MODE_MULTIPLE if multiple else model.CHOICE_MODE_SINGLE,
        allow_free_text=allow_free_text or not opts, default_option_ids=default_ids,
        default_text=default_text, request_id=request_id)
    dur = to_duration(timeout)
    if dur is not None:
        req.timeout.CopyFrom(dur)
    return req


def decision_of(decision: Union[None, str, int]) -> int:
    """An ApprovalDecision from "allow" / "allow_once", "allow_session", "deny" or the enum value
    (None: unspecified, which the server takes as DENY for a deadline's default)."""
    if decision is None:
        return model.APPROVAL_DECISION_UNSPECIFIED
    if isinstance(decision, str):
        key = decision.strip().lower().replace("-", "_").replace(" ", "_")
        named = {"allow": model.APPROVAL_DECISION_ALLOW_ONCE, "allow_once": model.APPROVAL_DECISION_ALLOW_ONCE,
                 "allow_session": model.APPROVAL_DECISION_ALLOW_SESSION, "deny": model.APPROVAL_DECISION_DENY}
        if key not in named:
            raise ValueError(f"unknown decision {decision!r} (use 'allow_once', 'allow_session' or 'deny')")
        return named[key]
    return int(decision)


def build_preview(summary: str, *, command: Optional[str] = None, command_description: str = "",
                  working_directory: str = "", file_path: Optional[str] = None, diff: str = "",
                  url: Optional[str] = None, url_description: str = "") -> model.ApprovalPreview:
    """What the person sees first: `summary`, plus the detail that fits the tool (a shell
    `command`, a `file_path` with its unified `diff`, or a `url`), at most one."""
    p = model.ApprovalPreview(summary=summary)
    if command is not None:
        p.shell_command.CopyFrom(model.ShellCommandPreview(
            command=command, description=command_description, working_directory=working_directory))
    elif file_path is not None:
        p.file_change.CopyFrom(model.FileChangePreview(path=file_path, unified_diff=diff))
    elif url is not None:
        p.url.CopyFrom(model.UrlPreview(url=url, description=url_description))
    return p


def build_approval(session_id: str, tool_name: str, tool_input: Union[str, Mapping[str, Any]],
                   preview: model.ApprovalPreview, *, tool_use_id: str, input_editable: bool, timeout,
                   default, request_id: str) -> agent_pb.RequestApprovalRequest:
    req = agent_pb.RequestApprovalRequest(
        session_id=session_id, tool_name=tool_name,
        input_json=tool_input if isinstance(tool_input, str) else json.dumps(tool_input),
        preview=preview, tool_use_id=tool_use_id, input_editable=input_editable,
        default_decision=decision_of(default), request_id=request_id)
    dur = to_duration(timeout)
    if dur is not None:
        req.timeout.CopyFrom(dur)
    return req


def outcome_of(outcome: Union[str, int]) -> int:
    if isinstance(outcome, str):
        key = outcome.strip().lower()
        if key in ("completed", "complete", "success", "ok", "done"):
            return model.SESSION_OUTCOME_COMPLETED
        if key in ("failed", "failure", "fail", "error"):
            return model.SESSION_OUTCOME_FAILED
        raise ValueError(f"unknown outcome {outcome!r} (use 'completed' or 'failed')")
    return int(outcome)


def failure_summary(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:MAX_TEXT]


def status_name(status: int) -> str:
    return model.SessionStatus.Name(status)
