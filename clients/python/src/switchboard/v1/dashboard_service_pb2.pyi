import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from switchboard.v1 import model_pb2 as _model_pb2
from switchboard.v1 import project_service_pb2 as _project_service_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIST_DIRECTION_UNSPECIFIED: _ClassVar[ListDirection]
    LIST_DIRECTION_FORWARD: _ClassVar[ListDirection]
    LIST_DIRECTION_BACKWARD: _ClassVar[ListDirection]

class InboxEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INBOX_EVENT_KIND_UNSPECIFIED: _ClassVar[InboxEventKind]
    INBOX_EVENT_KIND_SESSION_STARTED: _ClassVar[InboxEventKind]
    INBOX_EVENT_KIND_STATUS_CHANGED: _ClassVar[InboxEventKind]
    INBOX_EVENT_KIND_QUESTION_ASKED: _ClassVar[InboxEventKind]
    INBOX_EVENT_KIND_QUESTION_ANSWERED: _ClassVar[InboxEventKind]
    INBOX_EVENT_KIND_SESSION_ENDED: _ClassVar[InboxEventKind]
    INBOX_EVENT_KIND_SESSION_RENAMED: _ClassVar[InboxEventKind]
    INBOX_EVENT_KIND_SESSION_DELETED: _ClassVar[InboxEventKind]
    INBOX_EVENT_KIND_APPROVAL_REQUESTED: _ClassVar[InboxEventKind]
    INBOX_EVENT_KIND_APPROVAL_DECIDED: _ClassVar[InboxEventKind]
LIST_DIRECTION_UNSPECIFIED: ListDirection
LIST_DIRECTION_FORWARD: ListDirection
LIST_DIRECTION_BACKWARD: ListDirection
INBOX_EVENT_KIND_UNSPECIFIED: InboxEventKind
INBOX_EVENT_KIND_SESSION_STARTED: InboxEventKind
INBOX_EVENT_KIND_STATUS_CHANGED: InboxEventKind
INBOX_EVENT_KIND_QUESTION_ASKED: InboxEventKind
INBOX_EVENT_KIND_QUESTION_ANSWERED: InboxEventKind
INBOX_EVENT_KIND_SESSION_ENDED: InboxEventKind
INBOX_EVENT_KIND_SESSION_RENAMED: InboxEventKind
INBOX_EVENT_KIND_SESSION_DELETED: InboxEventKind
INBOX_EVENT_KIND_APPROVAL_REQUESTED: InboxEventKind
INBOX_EVENT_KIND_APPROVAL_DECIDED: InboxEventKind

class ListAgentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "project_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    project_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., project_id: _Optional[str] = ...) -> None: ...

class ListAgentsResponse(_message.Message):
    __slots__ = ("agents", "next_page_token")
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    agents: _containers.RepeatedCompositeFieldContainer[_model_pb2.Agent]
    next_page_token: str
    def __init__(self, agents: _Optional[_Iterable[_Union[_model_pb2.Agent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ("agent_id", "statuses", "page_size", "page_token", "project_id", "shared_with_me")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SHARED_WITH_ME_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    statuses: _containers.RepeatedScalarFieldContainer[_model_pb2.SessionStatus]
    page_size: int
    page_token: str
    project_id: str
    shared_with_me: bool
    def __init__(self, agent_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[_model_pb2.SessionStatus, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., project_id: _Optional[str] = ..., shared_with_me: bool = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions", "next_page_token", "inbox_cursor")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INBOX_CURSOR_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[_model_pb2.Session]
    next_page_token: str
    inbox_cursor: int
    def __init__(self, sessions: _Optional[_Iterable[_Union[_model_pb2.Session, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., inbox_cursor: _Optional[int] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetSessionResponse(_message.Message):
    __slots__ = ("session", "open_questions", "open_approvals", "caller_role")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    OPEN_QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    OPEN_APPROVALS_FIELD_NUMBER: _ClassVar[int]
    CALLER_ROLE_FIELD_NUMBER: _ClassVar[int]
    session: _model_pb2.Session
    open_questions: _containers.RepeatedCompositeFieldContainer[_model_pb2.Question]
    open_approvals: _containers.RepeatedCompositeFieldContainer[_model_pb2.ToolApproval]
    caller_role: _project_service_pb2.ProjectRole
    def __init__(self, session: _Optional[_Union[_model_pb2.Session, _Mapping]] = ..., open_questions: _Optional[_Iterable[_Union[_model_pb2.Question, _Mapping]]] = ..., open_approvals: _Optional[_Iterable[_Union[_model_pb2.ToolApproval, _Mapping]]] = ..., caller_role: _Optional[_Union[_project_service_pb2.ProjectRole, str]] = ...) -> None: ...

class ListMessagesRequest(_message.Message):
    __slots__ = ("session_id", "direction", "cursor_seq", "page_size", "page_token")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    CURSOR_SEQ_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    direction: ListDirection
    cursor_seq: int
    page_size: int
    page_token: str
    def __init__(self, session_id: _Optional[str] = ..., direction: _Optional[_Union[ListDirection, str]] = ..., cursor_seq: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMessagesResponse(_message.Message):
    __slots__ = ("messages", "next_page_token")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[_model_pb2.Message]
    next_page_token: str
    def __init__(self, messages: _Optional[_Iterable[_Union[_model_pb2.Message, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetDiffRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetDiffResponse(_message.Message):
    __slots__ = ("diff", "summary")
    DIFF_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    diff: str
    summary: _model_pb2.DiffSummary
    def __init__(self, diff: _Optional[str] = ..., summary: _Optional[_Union[_model_pb2.DiffSummary, _Mapping]] = ...) -> None: ...

class AnswerQuestionRequest(_message.Message):
    __slots__ = ("session_id", "question_id", "option_ids", "text", "request_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    OPTION_IDS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    question_id: str
    option_ids: _containers.RepeatedScalarFieldContainer[str]
    text: str
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., question_id: _Optional[str] = ..., option_ids: _Optional[_Iterable[str]] = ..., text: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class AnswerQuestionResponse(_message.Message):
    __slots__ = ("answer", "seq")
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    answer: _model_pb2.Answer
    seq: int
    def __init__(self, answer: _Optional[_Union[_model_pb2.Answer, _Mapping]] = ..., seq: _Optional[int] = ...) -> None: ...

class DecideApprovalRequest(_message.Message):
    __slots__ = ("session_id", "approval_id", "decision", "reason", "updated_input_json", "request_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    UPDATED_INPUT_JSON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    approval_id: str
    decision: _model_pb2.ApprovalDecision
    reason: str
    updated_input_json: str
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., approval_id: _Optional[str] = ..., decision: _Optional[_Union[_model_pb2.ApprovalDecision, str]] = ..., reason: _Optional[str] = ..., updated_input_json: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DecideApprovalResponse(_message.Message):
    __slots__ = ("result", "seq")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    result: _model_pb2.ApprovalResult
    seq: int
    def __init__(self, result: _Optional[_Union[_model_pb2.ApprovalResult, _Mapping]] = ..., seq: _Optional[int] = ...) -> None: ...

class SendMessageRequest(_message.Message):
    __slots__ = ("session_id", "text", "request_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    text: str
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., text: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class SendMessageResponse(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _model_pb2.Message
    def __init__(self, message: _Optional[_Union[_model_pb2.Message, _Mapping]] = ...) -> None: ...

class StopSessionRequest(_message.Message):
    __slots__ = ("session_id", "reason")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    reason: str
    def __init__(self, session_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class StopSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _model_pb2.Session
    def __init__(self, session: _Optional[_Union[_model_pb2.Session, _Mapping]] = ...) -> None: ...

class RenameSessionRequest(_message.Message):
    __slots__ = ("session_id", "name")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    name: str
    def __init__(self, session_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class RenameSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _model_pb2.Session
    def __init__(self, session: _Optional[_Union[_model_pb2.Session, _Mapping]] = ...) -> None: ...

class DeleteSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class DeleteSessionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateApiKeyRequest(_message.Message):
    __slots__ = ("name", "expire_time", "project_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    expire_time: _timestamp_pb2.Timestamp
    project_id: str
    def __init__(self, name: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., project_id: _Optional[str] = ...) -> None: ...

class CreateApiKeyResponse(_message.Message):
    __slots__ = ("api_key", "secret")
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    api_key: _model_pb2.ApiKey
    secret: str
    def __init__(self, api_key: _Optional[_Union[_model_pb2.ApiKey, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ListApiKeysRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "include_revoked", "project_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    include_revoked: bool
    project_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_revoked: bool = ..., project_id: _Optional[str] = ...) -> None: ...

class ListApiKeysResponse(_message.Message):
    __slots__ = ("api_keys", "next_page_token")
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    api_keys: _containers.RepeatedCompositeFieldContainer[_model_pb2.ApiKey]
    next_page_token: str
    def __init__(self, api_keys: _Optional[_Iterable[_Union[_model_pb2.ApiKey, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RevokeApiKeyRequest(_message.Message):
    __slots__ = ("api_key_id",)
    API_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    api_key_id: str
    def __init__(self, api_key_id: _Optional[str] = ...) -> None: ...

class RevokeApiKeyResponse(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: _model_pb2.ApiKey
    def __init__(self, api_key: _Optional[_Union[_model_pb2.ApiKey, _Mapping]] = ...) -> None: ...

class WatchSessionRequest(_message.Message):
    __slots__ = ("session_id", "after_seq")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    after_seq: int
    def __init__(self, session_id: _Optional[str] = ..., after_seq: _Optional[int] = ...) -> None: ...

class WatchSessionResponse(_message.Message):
    __slots__ = ("message", "heartbeat")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    message: _model_pb2.Message
    heartbeat: _model_pb2.StreamHeartbeat
    def __init__(self, message: _Optional[_Union[_model_pb2.Message, _Mapping]] = ..., heartbeat: _Optional[_Union[_model_pb2.StreamHeartbeat, _Mapping]] = ...) -> None: ...

class InboxEvent(_message.Message):
    __slots__ = ("cursor", "kind", "session_id", "agent_id", "agent_name", "session_name", "status", "seq", "question_id", "question_text", "open_question_count", "create_time", "approval_id", "tool_name", "approval_summary", "approval_decision", "open_approval_count")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    SESSION_NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    QUESTION_TEXT_FIELD_NUMBER: _ClassVar[int]
    OPEN_QUESTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_ID_FIELD_NUMBER: _ClassVar[int]
    TOOL_NAME_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_DECISION_FIELD_NUMBER: _ClassVar[int]
    OPEN_APPROVAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    cursor: int
    kind: InboxEventKind
    session_id: str
    agent_id: str
    agent_name: str
    session_name: str
    status: _model_pb2.SessionStatus
    seq: int
    question_id: str
    question_text: str
    open_question_count: int
    create_time: _timestamp_pb2.Timestamp
    approval_id: str
    tool_name: str
    approval_summary: str
    approval_decision: _model_pb2.ApprovalDecision
    open_approval_count: int
    def __init__(self, cursor: _Optional[int] = ..., kind: _Optional[_Union[InboxEventKind, str]] = ..., session_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., agent_name: _Optional[str] = ..., session_name: _Optional[str] = ..., status: _Optional[_Union[_model_pb2.SessionStatus, str]] = ..., seq: _Optional[int] = ..., question_id: _Optional[str] = ..., question_text: _Optional[str] = ..., open_question_count: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., approval_id: _Optional[str] = ..., tool_name: _Optional[str] = ..., approval_summary: _Optional[str] = ..., approval_decision: _Optional[_Union[_model_pb2.ApprovalDecision, str]] = ..., open_approval_count: _Optional[int] = ...) -> None: ...

class WatchInboxRequest(_message.Message):
    __slots__ = ("after_cursor", "project_id")
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    after_cursor: int
    project_id: str
    def __init__(self, after_cursor: _Optional[int] = ..., project_id: _Optional[str] = ...) -> None: ...

class WatchInboxResponse(_message.Message):
    __slots__ = ("event", "heartbeat")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    event: InboxEvent
    heartbeat: _model_pb2.StreamHeartbeat
    def __init__(self, event: _Optional[_Union[InboxEvent, _Mapping]] = ..., heartbeat: _Optional[_Union[_model_pb2.StreamHeartbeat, _Mapping]] = ...) -> None: ...
