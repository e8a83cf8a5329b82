import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProjectRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROJECT_ROLE_UNSPECIFIED: _ClassVar[ProjectRole]
    PROJECT_ROLE_VIEW: _ClassVar[ProjectRole]
    PROJECT_ROLE_EDIT: _ClassVar[ProjectRole]
    PROJECT_ROLE_ADMIN: _ClassVar[ProjectRole]

class ShareAccess(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHARE_ACCESS_UNSPECIFIED: _ClassVar[ShareAccess]
    SHARE_ACCESS_READ: _ClassVar[ShareAccess]
    SHARE_ACCESS_WRITE: _ClassVar[ShareAccess]

class AuditAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_ACTION_UNSPECIFIED: _ClassVar[AuditAction]
    AUDIT_ACTION_QUESTION_ANSWERED: _ClassVar[AuditAction]
    AUDIT_ACTION_MESSAGE_SENT: _ClassVar[AuditAction]
    AUDIT_ACTION_SESSION_STOPPED: _ClassVar[AuditAction]
    AUDIT_ACTION_SESSION_RENAMED: _ClassVar[AuditAction]
    AUDIT_ACTION_SESSION_DELETED: _ClassVar[AuditAction]
    AUDIT_ACTION_APPROVAL_ALLOWED: _ClassVar[AuditAction]
    AUDIT_ACTION_APPROVAL_ALLOWED_FOR_SESSION: _ClassVar[AuditAction]
    AUDIT_ACTION_APPROVAL_DENIED: _ClassVar[AuditAction]
    AUDIT_ACTION_API_KEY_CREATED: _ClassVar[AuditAction]
    AUDIT_ACTION_API_KEY_REVOKED: _ClassVar[AuditAction]
    AUDIT_ACTION_MEMBER_INVITED: _ClassVar[AuditAction]
    AUDIT_ACTION_INVITATION_ACCEPTED: _ClassVar[AuditAction]
    AUDIT_ACTION_INVITATION_DECLINED: _ClassVar[AuditAction]
    AUDIT_ACTION_MEMBER_REMOVED: _ClassVar[AuditAction]
    AUDIT_ACTION_MEMBER_ROLE_CHANGED: _ClassVar[AuditAction]
    AUDIT_ACTION_MEMBER_LEFT: _ClassVar[AuditAction]
    AUDIT_ACTION_SHARE_GRANTED: _ClassVar[AuditAction]
    AUDIT_ACTION_SHARE_REVOKED: _ClassVar[AuditAction]
    AUDIT_ACTION_PROJECT_CREATED: _ClassVar[AuditAction]
    AUDIT_ACTION_PROJECT_DELETED: _ClassVar[AuditAction]
    AUDIT_ACTION_SESSION_LAUNCHED: _ClassVar[AuditAction]
    AUDIT_ACTION_SESSION_CONTINUED: _ClassVar[AuditAction]
    AUDIT_ACTION_RUNNER_CREATED: _ClassVar[AuditAction]
    AUDIT_ACTION_RUNNER_REVOKED: _ClassVar[AuditAction]

class AuditChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_CHANNEL_UNSPECIFIED: _ClassVar[AuditChannel]
    AUDIT_CHANNEL_DASHBOARD: _ClassVar[AuditChannel]
    AUDIT_CHANNEL_API: _ClassVar[AuditChannel]
    AUDIT_CHANNEL_NOTIFICATION_LINK: _ClassVar[AuditChannel]
    AUDIT_CHANNEL_PUSH_ACTION: _ClassVar[AuditChannel]
PROJECT_ROLE_UNSPECIFIED: ProjectRole
PROJECT_ROLE_VIEW: ProjectRole
PROJECT_ROLE_EDIT: ProjectRole
PROJECT_ROLE_ADMIN: ProjectRole
SHARE_ACCESS_UNSPECIFIED: ShareAccess
SHARE_ACCESS_READ: ShareAccess
SHARE_ACCESS_WRITE: ShareAccess
AUDIT_ACTION_UNSPECIFIED: AuditAction
AUDIT_ACTION_QUESTION_ANSWERED: AuditAction
AUDIT_ACTION_MESSAGE_SENT: AuditAction
AUDIT_ACTION_SESSION_STOPPED: AuditAction
AUDIT_ACTION_SESSION_RENAMED: AuditAction
AUDIT_ACTION_SESSION_DELETED: AuditAction
AUDIT_ACTION_APPROVAL_ALLOWED: AuditAction
AUDIT_ACTION_APPROVAL_ALLOWED_FOR_SESSION: AuditAction
AUDIT_ACTION_APPROVAL_DENIED: AuditAction
AUDIT_ACTION_API_KEY_CREATED: AuditAction
AUDIT_ACTION_API_KEY_REVOKED: AuditAction
AUDIT_ACTION_MEMBER_INVITED: AuditAction
AUDIT_ACTION_INVITATION_ACCEPTED: AuditAction
AUDIT_ACTION_INVITATION_DECLINED: AuditAction
AUDIT_ACTION_MEMBER_REMOVED: AuditAction
AUDIT_ACTION_MEMBER_ROLE_CHANGED: AuditAction
AUDIT_ACTION_MEMBER_LEFT: AuditAction
AUDIT_ACTION_SHARE_GRANTED: AuditAction
AUDIT_ACTION_SHARE_REVOKED: AuditAction
AUDIT_ACTION_PROJECT_CREATED: AuditAction
AUDIT_ACTION_PROJECT_DELETED: AuditAction
AUDIT_ACTION_SESSION_LAUNCHED: AuditAction
AUDIT_ACTION_SESSION_CONTINUED: AuditAction
AUDIT_ACTION_RUNNER_CREATED: AuditAction
AUDIT_ACTION_RUNNER_REVOKED: AuditAction
AUDIT_CHANNEL_UNSPECIFIED: AuditChannel
AUDIT_CHANNEL_DASHBOARD: AuditChannel
AUDIT_CHANNEL_API: AuditChannel
AUDIT_CHANNEL_NOTIFICATION_LINK: AuditChannel
AUDIT_CHANNEL_PUSH_ACTION: AuditChannel

class Project(_message.Message):
    __slots__ = ("id", "name", "personal", "role", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    personal: bool
    role: ProjectRole
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., personal: bool = ..., role: _Optional[_Union[ProjectRole, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Member(_message.Message):
    __slots__ = ("user_id", "email", "display_name", "role", "join_time")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    email: str
    display_name: str
    role: ProjectRole
    join_time: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., email: _Optional[str] = ..., display_name: _Optional[str] = ..., role: _Optional[_Union[ProjectRole, str]] = ..., join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Invitation(_message.Message):
    __slots__ = ("id", "project_id", "project_name", "email", "role", "invited_by_email", "create_time", "expire_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    INVITED_BY_EMAIL_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    project_name: str
    email: str
    role: ProjectRole
    invited_by_email: str
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., project_name: _Optional[str] = ..., email: _Optional[str] = ..., role: _Optional[_Union[ProjectRole, str]] = ..., invited_by_email: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SessionShare(_message.Message):
    __slots__ = ("session_id", "user_id", "email", "access", "shared_by_email", "create_time")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    SHARED_BY_EMAIL_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    user_id: str
    email: str
    access: ShareAccess
    shared_by_email: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, session_id: _Optional[str] = ..., user_id: _Optional[str] = ..., email: _Optional[str] = ..., access: _Optional[_Union[ShareAccess, str]] = ..., shared_by_email: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AuditEvent(_message.Message):
    __slots__ = ("id", "create_time", "actor_user_id", "actor_email", "project_id", "session_id", "action", "channel", "details_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_EMAIL_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    DETAILS_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    create_time: _timestamp_pb2.Timestamp
    actor_user_id: str
    actor_email: str
    project_id: str
    session_id: str
    action: AuditAction
    channel: AuditChannel
    details_json: str
    def __init__(self, id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor_user_id: _Optional[str] = ..., actor_email: _Optional[str] = ..., project_id: _Optional[str] = ..., session_id: _Optional[str] = ..., action: _Optional[_Union[AuditAction, str]] = ..., channel: _Optional[_Union[AuditChannel, str]] = ..., details_json: _Optional[str] = ...) -> None: ...

class ListProjectsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListProjectsResponse(_message.Message):
    __slots__ = ("projects",)
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    projects: _containers.RepeatedCompositeFieldContainer[Project]
    def __init__(self, projects: _Optional[_Iterable[_Union[Project, _Mapping]]] = ...) -> None: ...

class CreateProjectRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CreateProjectResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: Project
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ...) -> None: ...

class DeleteProjectRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class DeleteProjectResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListMembersRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class ListMembersResponse(_message.Message):
    __slots__ = ("members",)
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[Member]
    def __init__(self, members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ...) -> None: ...

class InviteMemberRequest(_message.Message):
    __slots__ = ("project_id", "email", "role")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    email: str
    role: ProjectRole
    def __init__(self, project_id: _Optional[str] = ..., email: _Optional[str] = ..., role: _Optional[_Union[ProjectRole, str]] = ...) -> None: ...

class InviteMemberResponse(_message.Message):
    __slots__ = ("invitation", "token")
    INVITATION_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    invitation: Invitation
    token: str
    def __init__(self, invitation: _Optional[_Union[Invitation, _Mapping]] = ..., token: _Optional[str] = ...) -> None: ...

class ListProjectInvitationsRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class ListProjectInvitationsResponse(_message.Message):
    __slots__ = ("invitations",)
    INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    invitations: _containers.RepeatedCompositeFieldContainer[Invitation]
    def __init__(self, invitations: _Optional[_Iterable[_Union[Invitation, _Mapping]]] = ...) -> None: ...

class ListMyInvitationsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListMyInvitationsResponse(_message.Message):
    __slots__ = ("invitations",)
    INVITATIONS_FIELD_NUMBER: _ClassVar[int]
    invitations: _containers.RepeatedCompositeFieldContainer[Invitation]
    def __init__(self, invitations: _Optional[_Iterable[_Union[Invitation, _Mapping]]] = ...) -> None: ...

class AcceptInvitationRequest(_message.Message):
    __slots__ = ("invitation_id", "token")
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    invitation_id: str
    token: str
    def __init__(self, invitation_id: _Optional[str] = ..., token: _Optional[str] = ...) -> None: ...

class AcceptInvitationResponse(_message.Message):
    __slots__ = ("project",)
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    project: Project
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ...) -> None: ...

class DeclineInvitationRequest(_message.Message):
    __slots__ = ("invitation_id",)
    INVITATION_ID_FIELD_NUMBER: _ClassVar[int]
    invitation_id: str
    def __init__(self, invitation_id: _Optional[str] = ...) -> None: ...

class DeclineInvitationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChangeMemberRoleRequest(_message.Message):
    __slots__ = ("project_id", "user_id", "role")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    user_id: str
    role: ProjectRole
    def __init__(self, project_id: _Optional[str] = ..., user_id: _Optional[str] = ..., role: _Optional[_Union[ProjectRole, str]] = ...) -> None: ...

class ChangeMemberRoleResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class RemoveMemberRequest(_message.Message):
    __slots__ = ("project_id", "user_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    user_id: str
    def __init__(self, project_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class RemoveMemberResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LeaveProjectRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class LeaveProjectResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ShareSessionRequest(_message.Message):
    __slots__ = ("session_id", "email", "access")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ACCESS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    email: str
    access: ShareAccess
    def __init__(self, session_id: _Optional[str] = ..., email: _Optional[str] = ..., access: _Optional[_Union[ShareAccess, str]] = ...) -> None: ...

class ShareSessionResponse(_message.Message):
    __slots__ = ("share",)
    SHARE_FIELD_NUMBER: _ClassVar[int]
    share: SessionShare
    def __init__(self, share: _Optional[_Union[SessionShare, _Mapping]] = ...) -> None: ...

class ListSessionSharesRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class ListSessionSharesResponse(_message.Message):
    __slots__ = ("shares",)
    SHARES_FIELD_NUMBER: _ClassVar[int]
    shares: _containers.RepeatedCompositeFieldContainer[SessionShare]
    def __init__(self, shares: _Optional[_Iterable[_Union[SessionShare, _Mapping]]] = ...) -> None: ...

class RevokeSessionShareRequest(_message.Message):
    __slots__ = ("session_id", "user_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    user_id: str
    def __init__(self, session_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class RevokeSessionShareResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAuditEventsRequest(_message.Message):
    __slots__ = ("project_id", "session_id", "actor_user_id", "actions", "start_time", "end_time", "page_size", "page_token")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    session_id: str
    actor_user_id: str
    actions: _containers.RepeatedScalarFieldContainer[AuditAction]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, project_id: _Optional[str] = ..., session_id: _Optional[str] = ..., actor_user_id: _Optional[str] = ..., actions: _Optional[_Iterable[_Union[AuditAction, str]]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAuditEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[AuditEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[AuditEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
