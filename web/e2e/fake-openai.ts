/**
 * A fake OpenAI-compatible model server for the browser tests: `POST /v1/chat/completions` (the
 * API the assistant speaks to any compatible server, through the Agents SDK's chat-completions
 * model) and `GET /v1/models[/{model}]` (the health probe's look-up), on 127.0.0.1, so that the
 * real adapter runs over HTTP: its instructions, its tools, their results, its turns.
 *
 * What "the model" does is the test's `script`, a function of the request (the conversation so
 * far, the tools offered), answered in the real wire format: a message, or a `tool_calls` choice
 * whose arguments are JSON text. Requests are checked as a strict server checks them (the bearer
 * key; a tool message must answer a call made earlier in the same request; the script may only
 * call a tool the request offers): what fails is answered with a 400 and kept in `problems`, so
 * a test can assert there were none.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const FAKE_MODEL = "gpt-4o-mini";
const KEY = "sk-fake-openai-key-for-the-browser-tests";

/** One message of a Chat Completions request, as the client sent it. */
export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content?: string | { type: string; text?: string }[] | null;
  tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

/** A request, as the fake understood it. */
export interface ChatRequest {
  messages: ChatMessage[];
  /** The names of the function tools offered. */
  tools: string[];
  /** The member's last words. */
  lastUserText: string;
  /** When the request ends with tool results: the tool each answers, and what it said. */
  toolResults: { name: string; output: string }[];
}

/** What the model does next: say something, or call a tool. */
export type ModelTurn = { text: string } | { tool: string; arguments: Record<string, unknown> };

export interface FakeOpenAI {
  /** The API's base URL (`.../v1`), for IGNACIO_AI_BASE_URL. */
  baseUrl: string;
  /** The key it takes, for OPENAI_API_KEY. */
  key: string;
  requests: ChatRequest[];
  problems: string[];
  stop(): Promise<void>;
}

class Invalid extends Error {}

function textOf(content: ChatMessage["content"]): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw new Invalid("content must be a string or a list of parts");
  return content
    .map((part) => {
      if (part.type !== "text") throw new Invalid(`unexpected content part ${JSON.stringify(part.type)}`);
      return part.text ?? "";
    })
    .join("\n");
}

function understand(body: unknown): { model: string; request: ChatRequest } {
  if (typeof body !== "object" || body === null) throw new Invalid("the body must be a JSON object");
  const { model, messages, tools, stream } = body as { model?: unknown; messages?: unknown; tools?: unknown; stream?: unknown };
  if (typeof model !== "string" || !model) throw new Invalid("model is required");
  if (stream) throw new Invalid("this fake does not stream");
  if (!Array.isArray(messages) || messages.length === 0) throw new Invalid("messages must be a non-empty list");
  const calls = new Map<string, string>();
  let lastUserText = "";
  let toolResults: ChatRequest["toolResults"] = [];
  for (const message of messages as ChatMessage[]) {
    switch (message.role) {
      case "system":
      case "developer":
        textOf(message.content);
        break;
      case "user":
        lastUserText = textOf(message.content);
        toolResults = [];
        break;
      case "assistant":
        for (const call of message.tool_calls ?? []) {
          try {
            const parsed: unknown = JSON.parse(call.function.arguments);
            if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error();
          } catch {
            throw new Invalid(`the arguments of tool call ${call.id} are not a JSON object`);
          }
          calls.set(call.id, call.function.name);
        }
        textOf(message.content);
        toolResults = [];
        break;
      case "tool": {
        const name = calls.get(message.tool_call_id ?? "");
        if (name === undefined) throw new Invalid(`tool message ${JSON.stringify(message.tool_call_id)} answers no earlier tool call`);
        toolResults.push({ name, output: textOf(message.content) });
        break;
      }
      default:
        throw new Invalid(`unknown role ${JSON.stringify((message as { role: unknown }).role)}`);
    }
  }
  const offered: string[] = [];
  for (const tool of (tools ?? []) as { type?: string; function?: { name?: string } }[]) {
    if (tool.type !== "function" || !tool.function?.name) throw new Invalid(`Chat Completions takes only function tools, not ${JSON.stringify(tool.type)}`);
    offered.push(tool.function.name);
  }
  return { model, request: { messages: messages as ChatMessage[], tools: offered, lastUserText, toolResults } };
}

/** The answer as OpenAI's Chat Completions API gives it (`stream: false`). */
function completion(model: string, turn: ModelTurn, number: number): unknown {
  const message =
    "text" in turn
      ? { role: "assistant", content: turn.text, refusal: null }
      : {
          role: "assistant",
          content: null,
          refusal: null,
          tool_calls: [
            { id: `call_${number}`, type: "function", function: { name: turn.tool, arguments: JSON.stringify(turn.arguments) } },
          ],
        };
  return {
    id: `chatcmpl-fake${number}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: "fp_fake",
    choices: [{ index: 0, message, logprobs: null, finish_reason: "text" in turn ? "stop" : "tool_calls" }],
    usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
  };
}

export async function startFakeOpenAI(script: (request: ChatRequest) => ModelTurn): Promise<FakeOpenAI> {
  const requests: ChatRequest[] = [];
  const problems: string[] = [];
  let count = 0;

  const answer = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "Content-Type": "application/json" });
    response.end(JSON.stringify(body));
  };
  const refuse = (response: ServerResponse, status: number, message: string, code: string | null = null) =>
    answer(response, status, { error: { message, type: "invalid_request_error", param: null, code } });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://fake").pathname;
    if (request.headers.authorization !== `Bearer ${KEY}`) {
      return refuse(response, 401, "Incorrect API key provided.", "invalid_api_key");
    }
    if (request.method === "GET" && (path === "/v1/models" || path.startsWith("/v1/models/"))) {
      const model = { id: FAKE_MODEL, object: "model", created: 1_715_367_049, owned_by: "system" };
      if (path === "/v1/models") return answer(response, 200, { object: "list", data: [model] });
      if (decodeURIComponent(path.slice("/v1/models/".length)) === FAKE_MODEL) return answer(response, 200, model);
      return refuse(response, 404, "The model does not exist or you do not have access to it.", "model_not_found");
    }
    if (request.method !== "POST" || path !== "/v1/chat/completions") return refuse(response, 404, `No route ${request.method} ${path}.`);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let model: string;
    let understood: ChatRequest;
    try {
      ({ model, request: understood } = understand(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
    } catch (error) {
      const problem = error instanceof Invalid ? error.message : "the body is not JSON";
      problems.push(problem);
      return refuse(response, 400, problem);
    }
    requests.push(understood);
    const turn = script(understood);
    if ("tool" in turn && !understood.tools.includes(turn.tool)) {
      const problem = `the script calls ${turn.tool}, which the request does not offer (it offers ${understood.tools.join(", ") || "no tools"})`;
      problems.push(problem);
      return refuse(response, 400, problem);
    }
    count += 1;
    answer(response, 200, completion(model, turn, count));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      problems.push(`the fake failed: ${String(error)}`);
      if (!response.headersSent) refuse(response, 500, "The fake failed.");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    key: KEY,
    requests,
    problems,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
