import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SessionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_STATUS_UNSPECIFIED: _ClassVar[SessionStatus]
    SESSION_STATUS_ACTIVE: _ClassVar[SessionStatus]
    SESSION_STATUS_AWAITING_INPUT: _ClassVar[SessionStatus]
    SESSION_STATUS_STOPPING: _ClassVar[SessionStatus]
    SESSION_STATUS_COMPLETED: _ClassVar[SessionStatus]
    SESSION_STATUS_FAILED: _ClassVar[SessionStatus]
    SESSION_STATUS_STOPPED: _ClassVar[SessionStatus]
    SESSION_STATUS_DISCONNECTED: _ClassVar[SessionStatus]
    SESSION_STATUS_PENDING: _ClassVar[SessionStatus]
    SESSION_STATUS_STARTING: _ClassVar[SessionStatus]

class StopReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STOP_REASON_UNSPECIFIED: _ClassVar[StopReason]
    STOP_REASON_BY_PERSON: _ClassVar[StopReason]
    STOP_REASON_BY_AGENT: _ClassVar[StopReason]
    STOP_REASON_INACTIVITY: _ClassVar[StopReason]
    STOP_REASON_HARD_LIMIT: _ClassVar[StopReason]
    STOP_REASON_START_DEADLINE: _ClassVar[StopReason]
    STOP_REASON_RUNNER_LOST: _ClassVar[StopReason]
    STOP_REASON_AGENT_EXITED: _ClassVar[StopReason]
    STOP_REASON_START_FAILED: _ClassVar[StopReason]

class Sender(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SENDER_UNSPECIFIED: _ClassVar[Sender]
    SENDER_AGENT: _ClassVar[Sender]
    SENDER_USER: _ClassVar[Sender]
    SENDER_SYSTEM: _ClassVar[Sender]

class ChoiceMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHOICE_MODE_UNSPECIFIED: _ClassVar[ChoiceMode]
    CHOICE_MODE_SINGLE: _ClassVar[ChoiceMode]
    CHOICE_MODE_MULTIPLE: _ClassVar[ChoiceMode]

class SessionOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_OUTCOME_UNSPECIFIED: _ClassVar[SessionOutcome]
    SESSION_OUTCOME_COMPLETED: _ClassVar[SessionOutcome]
    SESSION_OUTCOME_FAILED: _ClassVar[SessionOutcome]

class ApprovalDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPROVAL_DECISION_UNSPECIFIED: _ClassVar[ApprovalDecision]
    APPROVAL_DECISION_ALLOW_ONCE: _ClassVar[ApprovalDecision]
    APPROVAL_DECISION_ALLOW_SESSION: _ClassVar[ApprovalDecision]
    APPROVAL_DECISION_DENY: _ClassVar[ApprovalDecision]
SESSION_STATUS_UNSPECIFIED: SessionStatus
SESSION_STATUS_ACTIVE: SessionStatus
SESSION_STATUS_AWAITING_INPUT: SessionStatus
SESSION_STATUS_STOPPING: SessionStatus
SESSION_STATUS_COMPLETED: SessionStatus
SESSION_STATUS_FAILED: SessionStatus
SESSION_STATUS_STOPPED: SessionStatus
SESSION_STATUS_DISCONNECTED: SessionStatus
SESSION_STATUS_PENDING: SessionStatus
SESSION_STATUS_STARTING: SessionStatus
STOP_REASON_UNSPECIFIED: StopReason
STOP_REASON_BY_PERSON: StopReason
STOP_REASON_BY_AGENT: StopReason
STOP_REASON_INACTIVITY: StopReason
STOP_REASON_HARD_LIMIT: StopReason
STOP_REASON_START_DEADLINE: StopReason
STOP_REASON_RUNNER_LOST: StopReason
STOP_REASON_AGENT_EXITED: StopReason
STOP_REASON_START_FAILED: StopReason
SENDER_UNSPECIFIED: Sender
SENDER_AGENT: Sender
SENDER_USER: Sender
SENDER_SYSTEM: Sender
CHOICE_MODE_UNSPECIFIED: ChoiceMode
CHOICE_MODE_SINGLE: ChoiceMode
CHOICE_MODE_MULTIPLE: ChoiceMode
SESSION_OUTCOME_UNSPECIFIED: SessionOutcome
SESSION_OUTCOME_COMPLETED: SessionOutcome
SESSION_OUTCOME_FAILED: SessionOutcome
APPROVAL_DECISION_UNSPECIFIED: ApprovalDecision
APPROVAL_DECISION_ALLOW_ONCE: ApprovalDecision
APPROVAL_DECISION_ALLOW_SESSION: ApprovalDecision
APPROVAL_DECISION_DENY: ApprovalDecision

class User(_message.Message):
    __slots__ = ("id", "email", "display_name", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    display_name: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., display_name: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Usage(_message.Message):
    __slots__ = ("input_tokens", "output_tokens", "cost_micros")
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COST_MICROS_FIELD_NUMBER: _ClassVar[int]
    input_tokens: int
    output_tokens: int
    cost_micros: int
    def __init__(self, input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., cost_micros: _Optional[int] = ...) -> None: ...

class DiffSummary(_message.Message):
    __slots__ = ("files_changed", "additions", "deletions", "update_time")
    FILES_CHANGED_FIELD_NUMBER: _ClassVar[int]
    ADDITIONS_FIELD_NUMBER: _ClassVar[int]
    DELETIONS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    files_changed: int
    additions: int
    deletions: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, files_changed: _Optional[int] = ..., additions: _Optional[int] = ..., deletions: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Agent(_message.Message):
    __slots__ = ("id", "name", "status_counts", "awaiting_input_count", "last_activity_time", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_COUNTS_FIELD_NUMBER: _ClassVar[int]
    AWAITING_INPUT_COUNT_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVITY_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    status_counts: _containers.RepeatedCompositeFieldContainer[StatusCount]
    awaiting_input_count: int
    last_activity_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., status_counts: _Optional[_Iterable[_Union[StatusCount, _Mapping]]] = ..., awaiting_input_count: _Optional[int] = ..., last_activity_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StatusCount(_message.Message):
    __slots__ = ("status", "count")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    status: SessionStatus
    count: int
    def __init__(self, status: _Optional[_Union[SessionStatus, str]] = ..., count: _Optional[int] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("id", "agent_id", "agent_name", "name", "metadata", "status", "start_time", "end_time", "last_seen_time", "last_activity_time", "last_seq", "open_question_count", "usage", "diff_summary", "summary", "open_approval_count", "project_id", "parent_session_id", "stop_reason", "exit_code", "last_output_lines", "runner_id")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVITY_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    OPEN_QUESTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    DIFF_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    OPEN_APPROVAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    LAST_OUTPUT_LINES_FIELD_NUMBER: _ClassVar[int]
    RUNNER_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent_id: str
    agent_name: str
    name: str
    metadata: _containers.ScalarMap[str, str]
    status: SessionStatus
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    last_seen_time: _timestamp_pb2.Timestamp
    last_activity_time: _timestamp_pb2.Timestamp
    last_seq: int
    open_question_count: int
    usage: Usage
    diff_summary: DiffSummary
    summary: str
    open_approval_count: int
    project_id: str
    parent_session_id: str
    stop_reason: StopReason
    exit_code: int
    last_output_lines: _containers.RepeatedScalarFieldContainer[str]
    runner_id: str
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ..., agent_name: _Optional[str] = ..., name: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., status: _Optional[_Union[SessionStatus, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_activity_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seq: _Optional[int] = ..., open_question_count: _Optional[int] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ..., diff_summary: _Optional[_Union[DiffSummary, _Mapping]] = ..., summary: _Optional[str] = ..., open_approval_count: _Optional[int] = ..., project_id: _Optional[str] = ..., parent_session_id: _Optional[str] = ..., stop_reason: _Optional[_Union[StopReason, str]] = ..., exit_code: _Optional[int] = ..., last_output_lines: _Optional[_Iterable[str]] = ..., runner_id: _Optional[str] = ...) -> None: ...

class QuestionOption(_message.Message):
    __slots__ = ("id", "label", "description")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    label: str
    description: str
    def __init__(self, id: _Optional[str] = ..., label: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class Question(_message.Message):
    __slots__ = ("id", "text", "options", "choice_mode", "allow_free_text", "deadline_time", "default_option_ids", "default_text", "answer")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    CHOICE_MODE_FIELD_NUMBER: _ClassVar[int]
    ALLOW_FREE_TEXT_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_TIME_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_OPTION_IDS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_TEXT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    options: _containers.RepeatedCompositeFieldContainer[QuestionOption]
    choice_mode: ChoiceMode
    allow_free_text: bool
    deadline_time: _timestamp_pb2.Timestamp
    default_option_ids: _containers.RepeatedScalarFieldContainer[str]
    default_text: str
    answer: Answer
    def __init__(self, id: _Optional[str] = ..., text: _Optional[str] = ..., options: _Optional[_Iterable[_Union[QuestionOption, _Mapping]]] = ..., choice_mode: _Optional[_Union[ChoiceMode, str]] = ..., allow_free_text: bool = ..., deadline_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., default_option_ids: _Optional[_Iterable[str]] = ..., default_text: _Optional[str] = ..., answer: _Optional[_Union[Answer, _Mapping]] = ...) -> None: ...

class Answer(_message.Message):
    __slots__ = ("question_id", "option_ids", "text", "answered_by", "answer_time")
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    OPTION_IDS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_BY_FIELD_NUMBER: _ClassVar[int]
    ANSWER_TIME_FIELD_NUMBER: _ClassVar[int]
    question_id: str
    option_ids: _containers.RepeatedScalarFieldContainer[str]
    text: str
    answered_by: Sender
    answer_time: _timestamp_pb2.Timestamp
    def __init__(self, question_id: _Optional[str] = ..., option_ids: _Optional[_Iterable[str]] = ..., text: _Optional[str] = ..., answered_by: _Optional[_Union[Sender, str]] = ..., answer_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Step(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class UserMessage(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class StatusChange(_message.Message):
    __slots__ = ("from_status", "to_status", "reason")
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    from_status: SessionStatus
    to_status: SessionStatus
    reason: str
    def __init__(self, from_status: _Optional[_Union[SessionStatus, str]] = ..., to_status: _Optional[_Union[SessionStatus, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class DiffUpdate(_message.Message):
    __slots__ = ("summary",)
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    summary: DiffSummary
    def __init__(self, summary: _Optional[_Union[DiffSummary, _Mapping]] = ...) -> None: ...

class UsageUpdate(_message.Message):
    __slots__ = ("usage",)
    USAGE_FIELD_NUMBER: _ClassVar[int]
    usage: Usage
    def __init__(self, usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ("session_id", "seq", "sender", "create_time", "step", "question", "answer", "user_message", "status_change", "diff_update", "usage_update", "approval", "approval_result")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    USER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_CHANGE_FIELD_NUMBER: _ClassVar[int]
    DIFF_UPDATE_FIELD_NUMBER: _ClassVar[int]
    USAGE_UPDATE_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_RESULT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    seq: int
    sender: Sender
    create_time: _timestamp_pb2.Timestamp
    step: Step
    question: Question
    answer: Answer
    user_message: UserMessage
    status_change: StatusChange
    diff_update: DiffUpdate
    usage_update: UsageUpdate
    approval: ToolApproval
    approval_result: ApprovalResult
    def __init__(self, session_id: _Optional[str] = ..., seq: _Optional[int] = ..., sender: _Optional[_Union[Sender, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., step: _Optional[_Union[Step, _Mapping]] = ..., question: _Optional[_Union[Question, _Mapping]] = ..., answer: _Optional[_Union[Answer, _Mapping]] = ..., user_message: _Optional[_Union[UserMessage, _Mapping]] = ..., status_change: _Optional[_Union[StatusChange, _Mapping]] = ..., diff_update: _Optional[_Union[DiffUpdate, _Mapping]] = ..., usage_update: _Optional[_Union[UsageUpdate, _Mapping]] = ..., approval: _Optional[_Union[ToolApproval, _Mapping]] = ..., approval_result: _Optional[_Union[ApprovalResult, _Mapping]] = ...) -> None: ...

class StreamHeartbeat(_message.Message):
    __slots__ = ("high_water", "server_time")
    HIGH_WATER_FIELD_NUMBER: _ClassVar[int]
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    high_water: int
    server_time: _timestamp_pb2.Timestamp
    def __init__(self, high_water: _Optional[int] = ..., server_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ApiKey(_message.Message):
    __slots__ = ("id", "name", "prefix", "create_time", "expire_time", "last_used_time", "revoke_time", "project_id", "creator_user_id", "creator_email")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATOR_EMAIL_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    prefix: str
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    last_used_time: _timestamp_pb2.Timestamp
    revoke_time: _timestamp_pb2.Timestamp
    project_id: str
    creator_user_id: str
    creator_email: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., prefix: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., project_id: _Optional[str] = ..., creator_user_id: _Optional[str] = ..., creator_email: _Optional[str] = ...) -> None: ...

class ShellCommandPreview(_message.Message):
    __slots__ = ("command", "description", "working_directory")
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    WORKING_DIRECTORY_FIELD_NUMBER: _ClassVar[int]
    command: str
    description: str
    working_directory: str
    def __init__(self, command: _Optional[str] = ..., description: _Optional[str] = ..., working_directory: _Optional[str] = ...) -> None: ...

class FileChangePreview(_message.Message):
    __slots__ = ("path", "unified_diff")
    PATH_FIELD_NUMBER: _ClassVar[int]
    UNIFIED_DIFF_FIELD_NUMBER: _ClassVar[int]
    path: str
    unified_diff: str
    def __init__(self, path: _Optional[str] = ..., unified_diff: _Optional[str] = ...) -> None: ...

class UrlPreview(_message.Message):
    __slots__ = ("url", "description")
    URL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    url: str
    description: str
    def __init__(self, url: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ApprovalPreview(_message.Message):
    __slots__ = ("summary", "shell_command", "file_change", "url")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SHELL_COMMAND_FIELD_NUMBER: _ClassVar[int]
    FILE_CHANGE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    summary: str
    shell_command: ShellCommandPreview
    file_change: FileChangePreview
    url: UrlPreview
    def __init__(self, summary: _Optional[str] = ..., shell_command: _Optional[_Union[ShellCommandPreview, _Mapping]] = ..., file_change: _Optional[_Union[FileChangePreview, _Mapping]] = ..., url: _Optional[_Union[UrlPreview, _Mapping]] = ...) -> None: ...

class ToolApproval(_message.Message):
    __slots__ = ("id", "tool_name", "input_json", "preview", "tool_use_id", "input_editable", "deadline_time", "default_decision", "result")
    ID_FIELD_NUMBER: _ClassVar[int]
    TOOL_NAME_FIELD_NUMBER: _ClassVar[int]
    INPUT_JSON_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    TOOL_USE_ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_EDITABLE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_TIME_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_DECISION_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    id: str
    tool_name: str
    input_json: str
    preview: ApprovalPreview
    tool_use_id: str
    input_editable: bool
    deadline_time: _timestamp_pb2.Timestamp
    default_decision: ApprovalDecision
    result: ApprovalResult
    def __init__(self, id: _Optional[str] = ..., tool_name: _Optional[str] = ..., input_json: _Optional[str] = ..., preview: _Optional[_Union[ApprovalPreview, _Mapping]] = ..., tool_use_id: _Optional[str] = ..., input_editable: bool = ..., deadline_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., default_decision: _Optional[_Union[ApprovalDecision, str]] = ..., result: _Optional[_Union[ApprovalResult, _Mapping]] = ...) -> None: ...

class ApprovalResult(_message.Message):
    __slots__ = ("approval_id", "decision", "reason", "updated_input_json", "decided_by", "decide_time")
    APPROVAL_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    UPDATED_INPUT_JSON_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    approval_id: str
    decision: ApprovalDecision
    reason: str
    updated_input_json: str
    decided_by: Sender
    decide_time: _timestamp_pb2.Timestamp
    def __init__(self, approval_id: _Optional[str] = ..., decision: _Optional[_Union[ApprovalDecision, str]] = ..., reason: _Optional[str] = ..., updated_input_json: _Optional[str] = ..., decided_by: _Optional[_Union[Sender, str]] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
