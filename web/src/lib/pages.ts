/** Options shared by every cursor-paginated list (`items` + `nextCursor`). */
export const cursorPaging = {
  pageParamName: "cursor",
  initialPageParam: null as string | null,
  getNextPageParam: (last: { nextCursor: string | null }) => last.nextCursor ?? undefined,
};

export function allItems<T>(data: { pages: { items: T[] }[] } | undefined): T[] {
  return data ? data.pages.flatMap((page) => page.items) : [];
}
