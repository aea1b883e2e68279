/** What went wrong with a request, in words a person can act on. */

/** The API's error body, with the HTTP status the client middleware adds to it. */
export interface ApiProblem {
  error: string;
  message: string;
  status?: number;
  retryAfter?: number | null;
  details?: unknown;
}

export function isApiProblem(value: unknown): value is ApiProblem {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ApiProblem).error === "string" &&
    typeof (value as ApiProblem).message === "string"
  );
}

/** The message to show for a failed request: the API's own sentence when it gave one. */
export function describeError(error: unknown): string {
  if (isApiProblem(error)) {
    if (error.status === 429 && error.retryAfter) {
      return `${error.message.replace(/\s*Try again.*$/, "")} Try again in ${formatWait(error.retryAfter)}.`;
    }
    return error.message;
  }
  if (error instanceof TypeError) {
    return "Ignacio cannot be reached. Check your connection and try again.";
  }
  if (error instanceof Error && error.message) {
    return error.message;
  }
  return "Something went wrong. Please try again.";
}

export function errorCode(error: unknown): string | undefined {
  return isApiProblem(error) ? error.error : undefined;
}

export function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/** Turns an error response into the API's problem body, with its status (and Retry-After). */
export async function problemFrom(response: Response): Promise<ApiProblem> {
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    body = null;
  }
  const retryAfter = Number(response.headers.get("Retry-After")) || null;
  if (isApiProblem(body)) {
    return { ...body, status: response.status, retryAfter };
  }
  const detail =
    typeof body === "object" && body !== null && "detail" in body ? String(body.detail) : "";
  return {
    error: response.status >= 500 ? "internal_error" : "error",
    message: detail || `The request failed (${response.status}).`,
    status: response.status,
    retryAfter,
  };
}
