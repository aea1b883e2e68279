import { $api } from "../../api/client";
import type { User } from "../../api/types";
import { displayName } from "../../lib/format";

/** Every user (the first 200), for pickers and for naming ids in lists. */
export function useUserDirectory() {
  const users = $api.useQuery("get", "/users", { params: { query: { limit: 200 } } }, { staleTime: 60_000 });
  const list: User[] = users.data?.items ?? [];
  const byId = new Map(list.map((user) => [user.id, user]));
  return {
    users: list,
    nameOf: (id: string | null | undefined) => {
      if (!id) return "—";
      const user = byId.get(id);
      return user ? displayName(user) : `${id.slice(0, 8)}…`;
    },
  };
}
