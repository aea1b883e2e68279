/**
 * Who is logged in. On start the session is resumed from the httpOnly refresh cookie (if any);
 * when it ends (logout, another tab, a failed refresh) every cached answer is dropped.
 */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { fetchClient } from "../api/client";
import { session } from "../api/session";
import type { Login, User } from "../api/types";

type Status = "loading" | "anonymous" | "authenticated";

interface AuthState {
  status: Status;
  user: User | null;
  /** Why the last session ended, for the login screen. */
  notice: string | null;
  /** Start a session from /auth/verify-otp's answer. */
  loggedIn: (login: Login) => void;
  logout: (options?: { allDevices?: boolean }) => Promise<void>;
  setUser: (user: User) => void;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>("loading");
  const [user, setUser] = useState<User | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const unsubscribe = session.subscribe((event) => {
      if (event.type === "ended") {
        setUser(null);
        setStatus("anonymous");
        setNotice(event.reason);
        queryClient.clear();
      }
    });
    (async () => {
      try {
        const token = await session.refresh();
        if (!token) throw new Error("no session");
        const { data } = await fetchClient.GET("/users/me");
        if (!data) throw new Error("no profile");
        if (!cancelled) {
          setUser(data);
          setStatus("authenticated");
        }
      } catch {
        if (!cancelled) setStatus("anonymous");
      }
    })();
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, [queryClient]);

  const loggedIn = useCallback(
    (login: Login) => {
      queryClient.clear();
      session.start(login);
      setUser(login.user);
      setNotice(null);
      setStatus("authenticated");
    },
    [queryClient],
  );

  const logout = useCallback(
    async ({ allDevices = false }: { allDevices?: boolean } = {}) => {
      try {
        if (allDevices) await fetchClient.POST("/auth/logout-all");
        else await fetchClient.POST("/auth/logout", { body: { allDevices: false } });
      } finally {
        session.end(allDevices ? "You are logged out on every device." : "You are logged out.", {
          everywhere: true,
        });
        setUser(null);
        setStatus("anonymous");
        queryClient.clear();
      }
    },
    [queryClient],
  );

  const value = useMemo(
    () => ({ status, user, notice, loggedIn, logout, setUser }),
    [status, user, notice, loggedIn, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}
