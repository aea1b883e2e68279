/** Names for the API's shapes, all derived from the generated schema (never written by hand). */
import type { ApiPaths } from "./client";
import type { components } from "./schema";

type Schemas = components["schemas"];

export type User = Schemas["UserOut"];
export type Conversation = Schemas["ConversationOut"];
export type Message = Schemas["MessageOut"];
export type Turn = Schemas["TurnOut"];
export type Channel = Schemas["Channel"];
export type Provider = Schemas["Provider"];
export type DeliveryStatus = Schemas["DeliveryStatus"];
export type MessageType = Schemas["MessageType"];
export type AuditEntry = Schemas["AuditEntryOut"];
export type Delivery = Schemas["DeliveryOut"];
export type AllowedNumber = Schemas["AllowedNumberOut"];
export type SystemHealth = Schemas["SystemHealthOut"];
export type HealthCheck = Schemas["HealthCheckOut"];
export type Login = Schemas["LoginOut"];
export type Tokens = Schemas["TokensOut"];
export type Session = Schemas["SessionOut"];
export type Workspace = Schemas["WorkspaceOut"];
export type WorkspaceMember = Schemas["MemberOut"];
export type WorkspaceRole = Schemas["WorkspaceRole"];
export type WhatsAppAccess = Schemas["WhatsAppAccess"];
export type AssistantSettings = Schemas["AssistantSettingsBody"];
export type WorkspaceNumber = Schemas["ChannelOut"];
export type KnowledgeDocument = Schemas["KnowledgeDocumentOut"];

/** The JSON body of a path's successful answer. */
export type JsonOf<
  P extends keyof ApiPaths,
  M extends keyof ApiPaths[P],
  S extends number = 200,
> = ApiPaths[P][M] extends { responses: { [K in S]: { content: { "application/json": infer T } } } }
  ? T
  : never;

export type FileItem = JsonOf<"/files/{file_id}", "get">;
export type SyncStatus = FileItem["syncStatus"];

export type ConversationState = Schemas["ConversationState"];
export type InboxConversation = Schemas["InboxConversationOut"];
export type InboxThread = Schemas["InboxThreadOut"];
export type StateChange = Schemas["StateChangeOut"];
export type TeamMessage = Schemas["TeamMessageOut"];
export type Person = Schemas["PersonOut"];
export type MemberConversation = Schemas["MemberConversationOut"];
export type Failure = Schemas["FailureOut"];
export type ConversationSummary = Schemas["SummaryOut"];
export type ReplyTemplate = Schemas["ReplyTemplateBody"];

export type WorkflowStep = Schemas["WorkflowStepOut"];
export type WorkflowStepBody = Schemas["WorkflowStepBody"];
export type StepType = Schemas["StepKind"];
export type MemberProgress = Schemas["ProgressOut"];
export type ProgressSummary = Schemas["ProgressSummaryOut"];
export type StepAnswer = Schemas["AnswerOut"];
export type RecordItem = Schemas["RecordOut"];
export type RecordDetail = Schemas["RecordDetailOut"];
export type RecordStatus = Schemas["RecordStatus"];
export type RecordTypeItem = Schemas["RecordTypeOut"];
export type RecordField = Schemas["FieldBody"];
export type RecordItemField = Schemas["ItemFieldBody"];
export type FieldKind = Schemas["FieldKind"];
export type RecordTypeBody = Schemas["RecordTypeBody"];
export type OwnerNotice = Schemas["OwnerNotice"];
