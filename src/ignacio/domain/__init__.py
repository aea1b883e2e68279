"""The domain: entities, value objects, rules and errors. It imports nothing outside itself."""

from ignacio.domain.access import AccessPolicy, AllowedNumber, WhatsAppAccess
from ignacio.domain.audit import AuditEntry, AuditKind
from ignacio.domain.auth import (
    AccessClaims,
    IssuedTokens,
    LoginChallenge,
    OtpCode,
    OtpPolicy,
    UserSession,
)
from ignacio.domain.conversations import (
    Author,
    Channel,
    Conversation,
    DeliveryStatus,
    MediaRef,
    Message,
    MessageType,
    ProcessingState,
)
from ignacio.domain.deliveries import Delivery
from ignacio.domain.errors import (
    AuthenticationFailed,
    Busy,
    CodeExpired,
    Conflict,
    DomainError,
    InvalidCode,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    TooLarge,
    TooManyAttempts,
    UnsupportedFileType,
    UpstreamUnavailable,
)
from ignacio.domain.health import BacklogPolicy, CheckName, HealthCheck
from ignacio.domain.inbound import (
    DeliveryUpdate,
    InboundMessage,
    InboxDelivery,
    Provider,
    SetAsideDelivery,
    WebhookBatch,
)
from ignacio.domain.pagination import Order, Page, PageRequest, Position
from ignacio.domain.phone import PhoneNumber
from ignacio.domain.retry import RetryPolicy
from ignacio.domain.text import json_without_nul, without_nul
from ignacio.domain.users import RegistrationPolicy, User

__all__ = [
    "AccessClaims",
    "AccessPolicy",
    "AllowedNumber",
    "AuditEntry",
    "AuditKind",
    "AuthenticationFailed",
    "Author",
    "BacklogPolicy",
    "Busy",
    "Channel",
    "CheckName",
    "CodeExpired",
    "Conflict",
    "Conversation",
    "Delivery",
    "DeliveryStatus",
    "DeliveryUpdate",
    "DomainError",
    "HealthCheck",
    "InboundMessage",
    "InboxDelivery",
    "InvalidCode",
    "InvalidInput",
    "IssuedTokens",
    "LoginChallenge",
    "MediaRef",
    "Message",
    "MessageType",
    "NotFound",
    "Order",
    "OtpCode",
    "OtpPolicy",
    "Page",
    "PageRequest",
    "PermissionDenied",
    "PhoneNumber",
    "Position",
    "ProcessingState",
    "Provider",
    "RateLimited",
    "RegistrationPolicy",
    "RetryPolicy",
    "SetAsideDelivery",
    "TooLarge",
    "TooManyAttempts",
    "UnsupportedFileType",
    "UpstreamUnavailable",
    "User",
    "UserSession",
    "WebhookBatch",
    "WhatsAppAccess",
    "json_without_nul",
    "without_nul",
]
