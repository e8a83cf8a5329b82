import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from switchboard.v1 import model_pb2 as _model_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AgentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGENT_KIND_UNSPECIFIED: _ClassVar[AgentKind]
    AGENT_KIND_CLAUDE_CODE: _ClassVar[AgentKind]
    AGENT_KIND_CODEX: _ClassVar[AgentKind]
    AGENT_KIND_COMMAND: _ClassVar[AgentKind]
AGENT_KIND_UNSPECIFIED: AgentKind
AGENT_KIND_CLAUDE_CODE: AgentKind
AGENT_KIND_CODEX: AgentKind
AGENT_KIND_COMMAND: AgentKind

class Repository(_message.Message):
    __slots__ = ("url", "branch", "path")
    URL_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    url: str
    branch: str
    path: str
    def __init__(self, url: _Optional[str] = ..., branch: _Optional[str] = ..., path: _Optional[str] = ...) -> None: ...

class SecretEnvVar(_message.Message):
    __slots__ = ("name", "secret")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    name: str
    secret: str
    def __init__(self, name: _Optional[str] = ..., secret: _Optional[str] = ...) -> None: ...

class SessionLimits(_message.Message):
    __slots__ = ("start_deadline", "inactivity_timeout", "hard_limit")
    START_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    INACTIVITY_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    HARD_LIMIT_FIELD_NUMBER: _ClassVar[int]
    start_deadline: _duration_pb2.Duration
    inactivity_timeout: _duration_pb2.Duration
    hard_limit: _duration_pb2.Duration
    def __init__(self, start_deadline: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., inactivity_timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., hard_limit: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class SessionSpec(_message.Message):
    __slots__ = ("agent", "prompt", "command", "repositories", "workdir", "model", "env", "secret_env", "limits", "agent_name", "session_name", "mcp_servers")
    class EnvEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AGENT_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    REPOSITORIES_FIELD_NUMBER: _ClassVar[int]
    WORKDIR_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    SECRET_ENV_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    SESSION_NAME_FIELD_NUMBER: _ClassVar[int]
    MCP_SERVERS_FIELD_NUMBER: _ClassVar[int]
    agent: AgentKind
    prompt: str
    command: _containers.RepeatedScalarFieldContainer[str]
    repositories: _containers.RepeatedCompositeFieldContainer[Repository]
    workdir: str
    model: str
    env: _containers.ScalarMap[str, str]
    secret_env: _containers.RepeatedCompositeFieldContainer[SecretEnvVar]
    limits: SessionLimits
    agent_name: str
    session_name: str
    mcp_servers: _containers.RepeatedCompositeFieldContainer[McpServer]
    def __init__(self, agent: _Optional[_Union[AgentKind, str]] = ..., prompt: _Optional[str] = ..., command: _Optional[_Iterable[str]] = ..., repositories: _Optional[_Iterable[_Union[Repository, _Mapping]]] = ..., workdir: _Optional[str] = ..., model: _Optional[str] = ..., env: _Optional[_Mapping[str, str]] = ..., secret_env: _Optional[_Iterable[_Union[SecretEnvVar, _Mapping]]] = ..., limits: _Optional[_Union[SessionLimits, _Mapping]] = ..., agent_name: _Optional[str] = ..., session_name: _Optional[str] = ..., mcp_servers: _Optional[_Iterable[_Union[McpServer, _Mapping]]] = ...) -> None: ...

class McpServer(_message.Message):
    __slots__ = ("name", "command", "env", "url")
    class EnvEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    name: str
    command: _containers.RepeatedScalarFieldContainer[str]
    env: _containers.ScalarMap[str, str]
    url: str
    def __init__(self, name: _Optional[str] = ..., command: _Optional[_Iterable[str]] = ..., env: _Optional[_Mapping[str, str]] = ..., url: _Optional[str] = ...) -> None: ...

class KubernetesTarget(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RunnerSelector(_message.Message):
    __slots__ = ("runner_id", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    RUNNER_ID_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    runner_id: str
    labels: _containers.ScalarMap[str, str]
    def __init__(self, runner_id: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Runner(_message.Message):
    __slots__ = ("id", "name", "labels", "capacity", "online", "last_seen_time", "running_count", "create_time", "prefix", "project_id")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ONLINE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    RUNNING_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    labels: _containers.ScalarMap[str, str]
    capacity: int
    online: bool
    last_seen_time: _timestamp_pb2.Timestamp
    running_count: int
    create_time: _timestamp_pb2.Timestamp
    prefix: str
    project_id: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., capacity: _Optional[int] = ..., online: bool = ..., last_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., running_count: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., prefix: _Optional[str] = ..., project_id: _Optional[str] = ...) -> None: ...

class LaunchSessionRequest(_message.Message):
    __slots__ = ("project_id", "spec", "runner", "request_id", "kubernetes")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    RUNNER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KUBERNETES_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    spec: SessionSpec
    runner: RunnerSelector
    request_id: str
    kubernetes: KubernetesTarget
    def __init__(self, project_id: _Optional[str] = ..., spec: _Optional[_Union[SessionSpec, _Mapping]] = ..., runner: _Optional[_Union[RunnerSelector, _Mapping]] = ..., request_id: _Optional[str] = ..., kubernetes: _Optional[_Union[KubernetesTarget, _Mapping]] = ...) -> None: ...

class LaunchSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _model_pb2.Session
    def __init__(self, session: _Optional[_Union[_model_pb2.Session, _Mapping]] = ...) -> None: ...

class ContinueSessionRequest(_message.Message):
    __slots__ = ("session_id", "request_id", "prompt")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    request_id: str
    prompt: str
    def __init__(self, session_id: _Optional[str] = ..., request_id: _Optional[str] = ..., prompt: _Optional[str] = ...) -> None: ...

class ContinueSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _model_pb2.Session
    def __init__(self, session: _Optional[_Union[_model_pb2.Session, _Mapping]] = ...) -> None: ...

class ListRunnersRequest(_message.Message):
    __slots__ = ("project_id", "page_size", "page_token")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    page_size: int
    page_token: str
    def __init__(self, project_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRunnersResponse(_message.Message):
    __slots__ = ("runners", "next_page_token")
    RUNNERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    runners: _containers.RepeatedCompositeFieldContainer[Runner]
    next_page_token: str
    def __init__(self, runners: _Optional[_Iterable[_Union[Runner, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateRunnerCredentialRequest(_message.Message):
    __slots__ = ("project_id", "name")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    name: str
    def __init__(self, project_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class CreateRunnerCredentialResponse(_message.Message):
    __slots__ = ("runner", "secret")
    RUNNER_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    runner: Runner
    secret: str
    def __init__(self, runner: _Optional[_Union[Runner, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class RevokeRunnerRequest(_message.Message):
    __slots__ = ("runner_id",)
    RUNNER_ID_FIELD_NUMBER: _ClassVar[int]
    runner_id: str
    def __init__(self, runner_id: _Optional[str] = ...) -> None: ...

class RevokeRunnerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
