/** The frame around every screen once logged in: the navigation, and the screen itself. */
import { useEffect, useId, useRef, useState } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router-dom";
import { useAuth } from "../auth/AuthProvider";
import { displayName } from "../lib/format";
import {
  type CurrentWorkspace,
  runsWorkspace,
  seesWorkspacePage,
  useCurrentWorkspace,
  useWorkspaceScope,
} from "../lib/workspaces";
import { MenuIcon } from "./icons";
import { NumberAlerts } from "./NumberAlerts";
import { Loading } from "./ui";

interface NavItem {
  to: string;
  label: string;
  /** Active on this path only, not under it. */
  end?: boolean;
}

const MEMBER_LINKS: NavItem[] = [
  { to: "/chat", label: "Chat" },
  { to: "/files", label: "Files" },
  { to: "/records", label: "Records" },
  { to: "/profile", label: "Profile" },
];
const WORKSPACE_LINKS: NavItem[] = [
  { to: "/inbox", label: "Inbox" },
  { to: "/dashboard", label: "Dashboard" },
  { to: "/workspace", label: "Workspace", end: true },
  { to: "/workspace/knowledge", label: "Knowledge base" },
  { to: "/workspace/workflow", label: "Workflow steps" },
];
const RECORD_TYPES_LINK: NavItem = { to: "/workspace/record-types", label: "Record types" };
const ADMIN_LINKS = [
  { to: "/admin/users", label: "Users" },
  { to: "/admin/conversations", label: "Conversations" },
  { to: "/admin/audit-log", label: "Audit log" },
  { to: "/admin/deliveries", label: "Failed deliveries" },
  { to: "/admin/allowlist", label: "Allow-list" },
  { to: "/admin/health", label: "System health" },
];

export function Layout() {
  const { user, logout } = useAuth();
  const workspace = useCurrentWorkspace();
  useWorkspaceScope(workspace.current);
  // Agents may read the record types, but only the admins who change them are sent there.
  const admin = Boolean(user?.isAdmin) || workspace.current?.role === "admin";
  const links = seesWorkspacePage(user, workspace.current)
    ? [...MEMBER_LINKS, ...WORKSPACE_LINKS, ...(admin ? [RECORD_TYPES_LINK] : [])]
    : MEMBER_LINKS;
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  const firstRender = useRef(true);
  useEffect(() => {
    setMenuOpen(false);
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    // After moving to another screen, start keyboard and screen reader users at its heading
    // (not in the chat or the inbox, where focus belongs to the list or the composer).
    if (!location.pathname.startsWith("/chat") && !location.pathname.startsWith("/inbox")) {
      document.querySelector<HTMLElement>("#main-content h1[tabindex]")?.focus();
    }
  }, [location.pathname]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main-content">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/chat" className="brand">
          Ignacio
        </NavLink>
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <MenuIcon /> Menu
        </button>
        <nav id="main-nav" className={menuOpen ? "nav open" : "nav"} aria-label="Main">
          {workspace.workspaces.length > 1 && workspace.current ? <WorkspaceSwitcher workspace={workspace} /> : null}
          <ul>
            {links.map((link) => (
              <li key={link.to}>
                <NavLink to={link.to} end={link.end}>
                  {link.label}
                </NavLink>
              </li>
            ))}
          </ul>
          {user?.isAdmin ? (
            <>
              <p className="nav-section" id="admin-nav-title">
                Admin
              </p>
              <ul aria-labelledby="admin-nav-title">
                {ADMIN_LINKS.map((link) => (
                  <li key={link.to}>
                    <NavLink to={link.to}>{link.label}</NavLink>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <div className="nav-user">
            <span className="muted">{user ? displayName(user) : ""}</span>
            <button type="button" className="button link" onClick={() => void logout()}>
              Log out
            </button>
          </div>
        </nav>
      </header>
      <div id="main-content" className="content" tabIndex={-1}>
        {/* Until the workspaces load, a screen's requests could not say which one they are for. */}
        {workspace.settled ? (
          <>
            {workspace.current && runsWorkspace(user, workspace.current) ? <NumberAlerts workspace={workspace.current} /> : null}
            <Outlet />
          </>
        ) : (
          <main id="main" className="page">
            <Loading label="Opening your workspace…" />
          </main>
        )}
      </div>
    </div>
  );
}

/** Which of their workspaces a person in several acts in. */
function WorkspaceSwitcher({ workspace }: { workspace: CurrentWorkspace }) {
  const id = useId();
  const navigate = useNavigate();
  const { pathname, state } = useLocation();
  const switchTo = (state as { switchTo?: string } | null)?.switchTo;
  const { choose } = workspace;
  // The switch away from an open conversation, once the list has replaced it on screen: an
  // effect runs after that commit, so the conversation's messages are never asked for in the
  // new workspace (a 404). Navigation is a transition, so it cannot be flushed before.
  useEffect(() => {
    if (!switchTo) return;
    choose(switchTo);
    navigate(pathname, { replace: true, state: null });
  }, [switchTo, choose, navigate, pathname]);
  return (
    <div className="nav-workspace">
      <label htmlFor={id}>Workspace</label>
      <select
        id={id}
        value={workspace.current?.id}
        onChange={(event) => {
          // An open conversation belongs to the workspace left: back to the list of the new
          // one's, switching once it is gone (above).
          const list = /^\/(chat|inbox|admin\/conversations)\/(?!new$)[^/]+/.exec(pathname);
          if (list) {
            navigate(`/${list[1]}`, {
              state: { switchTo: event.target.value },
            });
          } else {
            choose(event.target.value);
          }
        }}
      >
        {workspace.workspaces.map((item) => (
          <option key={item.id} value={item.id}>
            {item.name}
          </option>
        ))}
      </select>
    </div>
  );
}
