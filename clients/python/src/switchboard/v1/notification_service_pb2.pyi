import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NotificationEvent(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_EVENT_UNSPECIFIED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_QUESTION_ASKED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_APPROVAL_REQUESTED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_DEADLINE_NEAR: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_SESSION_FAILED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_SESSION_COMPLETED: _ClassVar[NotificationEvent]
    NOTIFICATION_EVENT_SESSION_DISCONNECTED: _ClassVar[NotificationEvent]

class ChannelKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_KIND_UNSPECIFIED: _ClassVar[ChannelKind]
    CHANNEL_KIND_WEBHOOK: _ClassVar[ChannelKind]
    CHANNEL_KIND_SLACK: _ClassVar[ChannelKind]
    CHANNEL_KIND_EMAIL: _ClassVar[ChannelKind]
    CHANNEL_KIND_WEB_PUSH: _ClassVar[ChannelKind]

class DeliveryOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_OUTCOME_UNSPECIFIED: _ClassVar[DeliveryOutcome]
    DELIVERY_OUTCOME_SENT: _ClassVar[DeliveryOutcome]
    DELIVERY_OUTCOME_SUPPRESSED: _ClassVar[DeliveryOutcome]
    DELIVERY_OUTCOME_FAILED: _ClassVar[DeliveryOutcome]
NOTIFICATION_EVENT_UNSPECIFIED: NotificationEvent
NOTIFICATION_EVENT_QUESTION_ASKED: NotificationEvent
NOTIFICATION_EVENT_APPROVAL_REQUESTED: NotificationEvent
NOTIFICATION_EVENT_DEADLINE_NEAR: NotificationEvent
NOTIFICATION_EVENT_SESSION_FAILED: NotificationEvent
NOTIFICATION_EVENT_SESSION_COMPLETED: NotificationEvent
NOTIFICATION_EVENT_SESSION_DISCONNECTED: NotificationEvent
CHANNEL_KIND_UNSPECIFIED: ChannelKind
CHANNEL_KIND_WEBHOOK: ChannelKind
CHANNEL_KIND_SLACK: ChannelKind
CHANNEL_KIND_EMAIL: ChannelKind
CHANNEL_KIND_WEB_PUSH: ChannelKind
DELIVERY_OUTCOME_UNSPECIFIED: DeliveryOutcome
DELIVERY_OUTCOME_SENT: DeliveryOutcome
DELIVERY_OUTCOME_SUPPRESSED: DeliveryOutcome
DELIVERY_OUTCOME_FAILED: DeliveryOutcome

class Channel(_message.Message):
    __slots__ = ("id", "kind", "url", "events", "enabled", "create_time", "escalate_after", "label", "awaiting_confirmation")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ESCALATE_AFTER_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    AWAITING_CONFIRMATION_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: ChannelKind
    url: str
    events: _containers.RepeatedScalarFieldContainer[NotificationEvent]
    enabled: bool
    create_time: _timestamp_pb2.Timestamp
    escalate_after: _duration_pb2.Duration
    label: str
    awaiting_confirmation: bool
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[ChannelKind, str]] = ..., url: _Optional[str] = ..., events: _Optional[_Iterable[_Union[NotificationEvent, str]]] = ..., enabled: bool = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., escalate_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., label: _Optional[str] = ..., awaiting_confirmation: bool = ...) -> None: ...

class ListChannelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListChannelsResponse(_message.Message):
    __slots__ = ("channels",)
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedCompositeFieldContainer[Channel]
    def __init__(self, channels: _Optional[_Iterable[_Union[Channel, _Mapping]]] = ...) -> None: ...

class CreateWebhookChannelRequest(_message.Message):
    __slots__ = ("kind", "url", "events", "escalate_after")
    KIND_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    ESCALATE_AFTER_FIELD_NUMBER: _ClassVar[int]
    kind: ChannelKind
    url: str
    events: _containers.RepeatedScalarFieldContainer[NotificationEvent]
    escalate_after: _duration_pb2.Duration
    def __init__(self, kind: _Optional[_Union[ChannelKind, str]] = ..., url: _Optional[str] = ..., events: _Optional[_Iterable[_Union[NotificationEvent, str]]] = ..., escalate_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CreateEmailChannelRequest(_message.Message):
    __slots__ = ("address", "events", "escalate_after")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    ESCALATE_AFTER_FIELD_NUMBER: _ClassVar[int]
    address: str
    events: _containers.RepeatedScalarFieldContainer[NotificationEvent]
    escalate_after: _duration_pb2.Duration
    def __init__(self, address: _Optional[str] = ..., events: _Optional[_Iterable[_Union[NotificationEvent, str]]] = ..., escalate_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CreateEmailChannelResponse(_message.Message):
    __slots__ = ("channel",)
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    def __init__(self, channel: _Optional[_Union[Channel, _Mapping]] = ...) -> None: ...

class CreateWebhookChannelResponse(_message.Message):
    __slots__ = ("channel", "signing_secret")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    signing_secret: str
    def __init__(self, channel: _Optional[_Union[Channel, _Mapping]] = ..., signing_secret: _Optional[str] = ...) -> None: ...

class UpdateChannelRequest(_message.Message):
    __slots__ = ("channel_id", "enabled", "events", "escalate_after")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    ESCALATE_AFTER_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    enabled: bool
    events: EventList
    escalate_after: _duration_pb2.Duration
    def __init__(self, channel_id: _Optional[str] = ..., enabled: bool = ..., events: _Optional[_Union[EventList, _Mapping]] = ..., escalate_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class EventList(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedScalarFieldContainer[NotificationEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[NotificationEvent, str]]] = ...) -> None: ...

class UpdateChannelResponse(_message.Message):
    __slots__ = ("channel",)
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    def __init__(self, channel: _Optional[_Union[Channel, _Mapping]] = ...) -> None: ...

class DeleteChannelRequest(_message.Message):
    __slots__ = ("channel_id",)
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    def __init__(self, channel_id: _Optional[str] = ...) -> None: ...

class DeleteChannelResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TestChannelRequest(_message.Message):
    __slots__ = ("channel_id",)
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    def __init__(self, channel_id: _Optional[str] = ...) -> None: ...

class TestChannelResponse(_message.Message):
    __slots__ = ("delivery",)
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    delivery: Delivery
    def __init__(self, delivery: _Optional[_Union[Delivery, _Mapping]] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("notification_id", "event", "session_id", "attempt", "outcome", "http_status", "detail", "attempt_time", "event_count")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    event: NotificationEvent
    session_id: str
    attempt: int
    outcome: DeliveryOutcome
    http_status: int
    detail: str
    attempt_time: _timestamp_pb2.Timestamp
    event_count: int
    def __init__(self, notification_id: _Optional[str] = ..., event: _Optional[_Union[NotificationEvent, str]] = ..., session_id: _Optional[str] = ..., attempt: _Optional[int] = ..., outcome: _Optional[_Union[DeliveryOutcome, str]] = ..., http_status: _Optional[int] = ..., detail: _Optional[str] = ..., attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_count: _Optional[int] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("channel_id", "page_size", "page_token")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    page_size: int
    page_token: str
    def __init__(self, channel_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "next_page_token")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    next_page_token: str
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetPushConfigRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPushConfigResponse(_message.Message):
    __slots__ = ("application_server_key",)
    APPLICATION_SERVER_KEY_FIELD_NUMBER: _ClassVar[int]
    application_server_key: str
    def __init__(self, application_server_key: _Optional[str] = ...) -> None: ...

class AddPushSubscriptionRequest(_message.Message):
    __slots__ = ("endpoint", "p256dh", "auth", "events", "label")
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    P256DH_FIELD_NUMBER: _ClassVar[int]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    endpoint: str
    p256dh: str
    auth: str
    events: _containers.RepeatedScalarFieldContainer[NotificationEvent]
    label: str
    def __init__(self, endpoint: _Optional[str] = ..., p256dh: _Optional[str] = ..., auth: _Optional[str] = ..., events: _Optional[_Iterable[_Union[NotificationEvent, str]]] = ..., label: _Optional[str] = ...) -> None: ...

class AddPushSubscriptionResponse(_message.Message):
    __slots__ = ("channel",)
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    def __init__(self, channel: _Optional[_Union[Channel, _Mapping]] = ...) -> None: ...
