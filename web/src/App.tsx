/** The screens and who may see them. */
import { lazy, type ReactNode, Suspense } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { useAuth } from "./auth/AuthProvider";
import { Layout } from "./components/Layout";
import { Loading } from "./components/ui";
import { AllowListPage } from "./pages/admin/AllowListPage";
import { AuditLogPage } from "./pages/admin/AuditLogPage";
import { AdminConversationPage } from "./pages/admin/ConversationPage";
import { AdminConversationsPage } from "./pages/admin/ConversationsPage";
import { DeliveriesPage } from "./pages/admin/DeliveriesPage";
import { HealthPage } from "./pages/admin/HealthPage";
import { UsersPage } from "./pages/admin/UsersPage";
import { ChatPage } from "./pages/ChatPage";
import { FilesPage } from "./pages/FilesPage";
import { InboxPage } from "./pages/InboxPage";
import { KnowledgePage } from "./pages/KnowledgePage";
import { LoginPage } from "./pages/LoginPage";
import { ProfilePage } from "./pages/ProfilePage";
import { RecordPage } from "./pages/RecordPage";
import { RecordsPage } from "./pages/RecordsPage";
import { RecordTypesPage } from "./pages/RecordTypesPage";
import { WorkflowPage } from "./pages/WorkflowPage";
import { WorkspacePage } from "./pages/WorkspacePage";

// The dashboard and its chart library load when it is opened: members never need them.
const DashboardPage = lazy(() => import("./pages/DashboardPage").then((module) => ({ default: module.DashboardPage })));

function RequireLogin({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "loading") {
    return (
      <main id="main" className="page">
        <Loading label="Opening Ignacio…" />
      </main>
    );
  }
  if (status === "anonymous") {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  return <>{children}</>;
}

function RequireAdmin({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  if (!user?.isAdmin) {
    return (
      <main id="main" className="page">
        <h1>Admins only</h1>
        <p>This page is for admins. Ask an admin if you need access.</p>
      </main>
    );
  }
  return <>{children}</>;
}

function NotFound() {
  return (
    <main id="main" className="page">
      <h1>Not found</h1>
      <p>There is nothing at this address.</p>
    </main>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireLogin>
            <Layout />
          </RequireLogin>
        }
      >
        <Route index element={<Navigate to="/chat" replace />} />
        <Route path="/chat" element={<ChatPage />} />
        <Route path="/chat/:conversationId" element={<ChatPage />} />
        <Route path="/inbox" element={<InboxPage />} />
        <Route path="/inbox/:conversationId" element={<InboxPage />} />
        <Route path="/files" element={<FilesPage />} />
        <Route path="/records" element={<RecordsPage />} />
        <Route path="/records/:recordId" element={<RecordPage />} />
        <Route path="/profile" element={<ProfilePage />} />
        <Route path="/workspace" element={<WorkspacePage />} />
        <Route path="/workspace/knowledge" element={<KnowledgePage />} />
        <Route path="/workspace/workflow" element={<WorkflowPage />} />
        <Route path="/workspace/record-types" element={<RecordTypesPage />} />
        <Route
          path="/dashboard"
          element={
            <Suspense
              fallback={
                <main id="main" className="page">
                  <Loading label="Opening the dashboard…" />
                </main>
              }
            >
              <DashboardPage />
            </Suspense>
          }
        />
        <Route path="/admin" element={<Navigate to="/admin/users" replace />} />
        <Route path="/admin/users" element={<RequireAdmin><UsersPage /></RequireAdmin>} />
        <Route path="/admin/conversations" element={<RequireAdmin><AdminConversationsPage /></RequireAdmin>} />
        <Route path="/admin/conversations/:conversationId" element={<RequireAdmin><AdminConversationPage /></RequireAdmin>} />
        <Route path="/admin/audit-log" element={<RequireAdmin><AuditLogPage /></RequireAdmin>} />
        <Route path="/admin/deliveries" element={<RequireAdmin><DeliveriesPage /></RequireAdmin>} />
        <Route path="/admin/allowlist" element={<RequireAdmin><AllowListPage /></RequireAdmin>} />
        <Route path="/admin/health" element={<RequireAdmin><HealthPage /></RequireAdmin>} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
