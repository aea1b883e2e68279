"""The API's controllers, one per area, at seed 000's paths."""

from ignacio.entrypoints.http.controllers.admin import AdminController
from ignacio.entrypoints.http.controllers.auth import AuthController
from ignacio.entrypoints.http.controllers.conversations import ConversationController
from ignacio.entrypoints.http.controllers.dashboard import DashboardController
from ignacio.entrypoints.http.controllers.events import (
    MemberEventsController,
    TeamEventsController,
)
from ignacio.entrypoints.http.controllers.files import (
    ConversationFileController,
    FileController,
    linked_file,
)
from ignacio.entrypoints.http.controllers.health import health
from ignacio.entrypoints.http.controllers.inbox import InboxController
from ignacio.entrypoints.http.controllers.knowledge import KnowledgeController
from ignacio.entrypoints.http.controllers.message_login import MessageLoginController
from ignacio.entrypoints.http.controllers.records import RecordController, RecordTypeController
from ignacio.entrypoints.http.controllers.sessions import SessionsController
from ignacio.entrypoints.http.controllers.users import UserController
from ignacio.entrypoints.http.controllers.webhooks import (
    GatewayWebhookController,
    TwilioWebhookController,
    WhatsAppWebhookController,
)
from ignacio.entrypoints.http.controllers.workflow import ProgressController, WorkflowController
from ignacio.entrypoints.http.controllers.workspaces import WorkspaceController

__all__ = [
    "AdminController",
    "AuthController",
    "ConversationController",
    "ConversationFileController",
    "DashboardController",
    "FileController",
    "GatewayWebhookController",
    "InboxController",
    "KnowledgeController",
    "MemberEventsController",
    "MessageLoginController",
    "ProgressController",
    "RecordController",
    "RecordTypeController",
    "SessionsController",
    "TeamEventsController",
    "TwilioWebhookController",
    "UserController",
    "WhatsAppWebhookController",
    "WorkflowController",
    "WorkspaceController",
    "health",
    "linked_file",
]
