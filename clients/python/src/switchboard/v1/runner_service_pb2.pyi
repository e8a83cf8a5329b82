import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from switchboard.v1 import launch_service_pb2 as _launch_service_pb2
from switchboard.v1 import model_pb2 as _model_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AttachRequest(_message.Message):
    __slots__ = ("name", "labels", "capacity", "running_session_ids")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    RUNNING_SESSION_IDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    labels: _containers.ScalarMap[str, str]
    capacity: int
    running_session_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., capacity: _Optional[int] = ..., running_session_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Attached(_message.Message):
    __slots__ = ("runner_id", "project_id")
    RUNNER_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    runner_id: str
    project_id: str
    def __init__(self, runner_id: _Optional[str] = ..., project_id: _Optional[str] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("session_id", "spec", "agent_api_key", "agent_name", "workspace_id", "resume")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    AGENT_API_KEY_FIELD_NUMBER: _ClassVar[int]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    WORKSPACE_ID_FIELD_NUMBER: _ClassVar[int]
    RESUME_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    spec: _launch_service_pb2.SessionSpec
    agent_api_key: str
    agent_name: str
    workspace_id: str
    resume: bool
    def __init__(self, session_id: _Optional[str] = ..., spec: _Optional[_Union[_launch_service_pb2.SessionSpec, _Mapping]] = ..., agent_api_key: _Optional[str] = ..., agent_name: _Optional[str] = ..., workspace_id: _Optional[str] = ..., resume: bool = ...) -> None: ...

class StopAssignment(_message.Message):
    __slots__ = ("session_id", "grace", "reason")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    GRACE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    grace: _duration_pb2.Duration
    reason: str
    def __init__(self, session_id: _Optional[str] = ..., grace: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class AttachResponse(_message.Message):
    __slots__ = ("attached", "assignment", "stop", "heartbeat")
    ATTACHED_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    attached: Attached
    assignment: Assignment
    stop: StopAssignment
    heartbeat: _model_pb2.StreamHeartbeat
    def __init__(self, attached: _Optional[_Union[Attached, _Mapping]] = ..., assignment: _Optional[_Union[Assignment, _Mapping]] = ..., stop: _Optional[_Union[StopAssignment, _Mapping]] = ..., heartbeat: _Optional[_Union[_model_pb2.StreamHeartbeat, _Mapping]] = ...) -> None: ...

class ReportStartedRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ReportStartedResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReportExitedRequest(_message.Message):
    __slots__ = ("session_id", "exit_code", "last_lines")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    LAST_LINES_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    exit_code: int
    last_lines: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, session_id: _Optional[str] = ..., exit_code: _Optional[int] = ..., last_lines: _Optional[_Iterable[str]] = ...) -> None: ...

class ReportExitedResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _model_pb2.Session
    def __init__(self, session: _Optional[_Union[_model_pb2.Session, _Mapping]] = ...) -> None: ...
