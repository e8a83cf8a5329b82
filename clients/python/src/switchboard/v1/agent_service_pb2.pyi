import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from switchboard.v1 import model_pb2 as _model_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StartSessionRequest(_message.Message):
    __slots__ = ("session_id", "agent_name", "name", "metadata", "request_id")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    agent_name: str
    name: str
    metadata: _containers.ScalarMap[str, str]
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., agent_name: _Optional[str] = ..., name: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class StartSessionResponse(_message.Message):
    __slots__ = ("session", "resumed")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    RESUMED_FIELD_NUMBER: _ClassVar[int]
    session: _model_pb2.Session
    resumed: bool
    def __init__(self, session: _Optional[_Union[_model_pb2.Session, _Mapping]] = ..., resumed: bool = ...) -> None: ...

class LogStepRequest(_message.Message):
    __slots__ = ("session_id", "text", "request_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    text: str
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., text: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class LogStepResponse(_message.Message):
    __slots__ = ("seq", "queued_messages", "status")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    QUEUED_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    seq: int
    queued_messages: _containers.RepeatedCompositeFieldContainer[_model_pb2.Message]
    status: _model_pb2.SessionStatus
    def __init__(self, seq: _Optional[int] = ..., queued_messages: _Optional[_Iterable[_Union[_model_pb2.Message, _Mapping]]] = ..., status: _Optional[_Union[_model_pb2.SessionStatus, str]] = ...) -> None: ...

class AskQuestionRequest(_message.Message):
    __slots__ = ("session_id", "text", "options", "choice_mode", "allow_free_text", "timeout", "default_option_ids", "default_text", "request_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    CHOICE_MODE_FIELD_NUMBER: _ClassVar[int]
    ALLOW_FREE_TEXT_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_OPTION_IDS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_TEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    text: str
    options: _containers.RepeatedCompositeFieldContainer[_model_pb2.QuestionOption]
    choice_mode: _model_pb2.ChoiceMode
    allow_free_text: bool
    timeout: _duration_pb2.Duration
    default_option_ids: _containers.RepeatedScalarFieldContainer[str]
    default_text: str
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., text: _Optional[str] = ..., options: _Optional[_Iterable[_Union[_model_pb2.QuestionOption, _Mapping]]] = ..., choice_mode: _Optional[_Union[_model_pb2.ChoiceMode, str]] = ..., allow_free_text: bool = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., default_option_ids: _Optional[_Iterable[str]] = ..., default_text: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class AskQuestionResponse(_message.Message):
    __slots__ = ("question", "seq")
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    question: _model_pb2.Question
    seq: int
    def __init__(self, question: _Optional[_Union[_model_pb2.Question, _Mapping]] = ..., seq: _Optional[int] = ...) -> None: ...

class WaitForAnswerRequest(_message.Message):
    __slots__ = ("session_id", "question_id", "timeout")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    question_id: str
    timeout: _duration_pb2.Duration
    def __init__(self, session_id: _Optional[str] = ..., question_id: _Optional[str] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class WaitForAnswerResponse(_message.Message):
    __slots__ = ("answered", "answer", "status")
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    answered: bool
    answer: _model_pb2.Answer
    status: _model_pb2.SessionStatus
    def __init__(self, answered: bool = ..., answer: _Optional[_Union[_model_pb2.Answer, _Mapping]] = ..., status: _Optional[_Union[_model_pb2.SessionStatus, str]] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("session_id", "after_seq")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    after_seq: int
    def __init__(self, session_id: _Optional[str] = ..., after_seq: _Optional[int] = ...) -> None: ...

class SubscribeResponse(_message.Message):
    __slots__ = ("message", "heartbeat")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    message: _model_pb2.Message
    heartbeat: _model_pb2.StreamHeartbeat
    def __init__(self, message: _Optional[_Union[_model_pb2.Message, _Mapping]] = ..., heartbeat: _Optional[_Union[_model_pb2.StreamHeartbeat, _Mapping]] = ...) -> None: ...

class AcknowledgeMessagesRequest(_message.Message):
    __slots__ = ("session_id", "through_seq")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    THROUGH_SEQ_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    through_seq: int
    def __init__(self, session_id: _Optional[str] = ..., through_seq: _Optional[int] = ...) -> None: ...

class AcknowledgeMessagesResponse(_message.Message):
    __slots__ = ("read_through_seq", "unread_message_count")
    READ_THROUGH_SEQ_FIELD_NUMBER: _ClassVar[int]
    UNREAD_MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    read_through_seq: int
    unread_message_count: int
    def __init__(self, read_through_seq: _Optional[int] = ..., unread_message_count: _Optional[int] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ("status", "unread_message_count")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UNREAD_MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    status: _model_pb2.SessionStatus
    unread_message_count: int
    def __init__(self, status: _Optional[_Union[_model_pb2.SessionStatus, str]] = ..., unread_message_count: _Optional[int] = ...) -> None: ...

class ReportDiffRequest(_message.Message):
    __slots__ = ("session_id", "diff", "request_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    diff: str
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., diff: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ReportDiffResponse(_message.Message):
    __slots__ = ("seq", "summary")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    seq: int
    summary: _model_pb2.DiffSummary
    def __init__(self, seq: _Optional[int] = ..., summary: _Optional[_Union[_model_pb2.DiffSummary, _Mapping]] = ...) -> None: ...

class ReportUsageRequest(_message.Message):
    __slots__ = ("session_id", "usage", "request_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    usage: _model_pb2.Usage
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., usage: _Optional[_Union[_model_pb2.Usage, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ReportUsageResponse(_message.Message):
    __slots__ = ("seq",)
    SEQ_FIELD_NUMBER: _ClassVar[int]
    seq: int
    def __init__(self, seq: _Optional[int] = ...) -> None: ...

class EndSessionRequest(_message.Message):
    __slots__ = ("session_id", "outcome", "summary", "request_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    outcome: _model_pb2.SessionOutcome
    summary: str
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., outcome: _Optional[_Union[_model_pb2.SessionOutcome, str]] = ..., summary: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class EndSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: _model_pb2.Session
    def __init__(self, session: _Optional[_Union[_model_pb2.Session, _Mapping]] = ...) -> None: ...

class RequestApprovalRequest(_message.Message):
    __slots__ = ("session_id", "tool_name", "input_json", "preview", "tool_use_id", "input_editable", "timeout", "default_decision", "request_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TOOL_NAME_FIELD_NUMBER: _ClassVar[int]
    INPUT_JSON_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    TOOL_USE_ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_EDITABLE_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_DECISION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    tool_name: str
    input_json: str
    preview: _model_pb2.ApprovalPreview
    tool_use_id: str
    input_editable: bool
    timeout: _duration_pb2.Duration
    default_decision: _model_pb2.ApprovalDecision
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., tool_name: _Optional[str] = ..., input_json: _Optional[str] = ..., preview: _Optional[_Union[_model_pb2.ApprovalPreview, _Mapping]] = ..., tool_use_id: _Optional[str] = ..., input_editable: bool = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., default_decision: _Optional[_Union[_model_pb2.ApprovalDecision, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class RequestApprovalResponse(_message.Message):
    __slots__ = ("approval", "seq")
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    approval: _model_pb2.ToolApproval
    seq: int
    def __init__(self, approval: _Optional[_Union[_model_pb2.ToolApproval, _Mapping]] = ..., seq: _Optional[int] = ...) -> None: ...

class WaitForApprovalRequest(_message.Message):
    __slots__ = ("session_id", "approval_id", "timeout")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_ID_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    approval_id: str
    timeout: _duration_pb2.Duration
    def __init__(self, session_id: _Optional[str] = ..., approval_id: _Optional[str] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class WaitForApprovalResponse(_message.Message):
    __slots__ = ("decided", "result", "status")
    DECIDED_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    decided: bool
    result: _model_pb2.ApprovalResult
    status: _model_pb2.SessionStatus
    def __init__(self, decided: bool = ..., result: _Optional[_Union[_model_pb2.ApprovalResult, _Mapping]] = ..., status: _Optional[_Union[_model_pb2.SessionStatus, str]] = ...) -> None: ...

class ResolveApprovalRequest(_message.Message):
    __slots__ = ("session_id", "approval_id", "tool_use_id", "decision", "reason", "request_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_ID_FIELD_NUMBER: _ClassVar[int]
    TOOL_USE_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    approval_id: str
    tool_use_id: str
    decision: _model_pb2.ApprovalDecision
    reason: str
    request_id: str
    def __init__(self, session_id: _Optional[str] = ..., approval_id: _Optional[str] = ..., tool_use_id: _Optional[str] = ..., decision: _Optional[_Union[_model_pb2.ApprovalDecision, str]] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ResolveApprovalResponse(_message.Message):
    __slots__ = ("result", "applied")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    result: _model_pb2.ApprovalResult
    applied: bool
    def __init__(self, result: _Optional[_Union[_model_pb2.ApprovalResult, _Mapping]] = ..., applied: bool = ...) -> None: ...
