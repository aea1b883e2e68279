/**
 * A real `ignacio serve` for the browser tests: the embedded defaults (SQLite in a fresh data
 * directory, the console channel, the offline assistant) on a free port, serving the built web
 * app. Login codes are read from what the console channel prints, as a person trying Ignacio
 * on a laptop would. Beside it, a fake of the one Graph API call Ignacio makes when an admin
 * connects a Meta number of a workspace's own (the number's look-up, which proves the token
 * may use it), since Meta is out of reach here. `StartOptions` make another kind of server (one
 * whose assistant is a model, linking to itself in its messages), in a data directory of its own.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const REPOSITORY = path.resolve(import.meta.dirname, "..", "..");
const IGNACIO = path.join(REPOSITORY, ".venv", "bin", "ignacio");

/** A call to the API as someone logged in: the answer's JSON body (null for none); throws on an
 * error status, with the API's message. */
export type ApiCall = (method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown) => Promise<unknown>;

export interface Ignacio {
  url: string;
  /** Everything the server printed so far. */
  output(): string;
  /** The next login code printed for `phone` after `offset` (a position in `output()`). */
  codeFor(phone: string, offset?: number): Promise<string>;
  createUser(phone: string, name: string, admin?: boolean): Promise<void>;
  /** `phone` writes `text` on WhatsApp: a Cloud API delivery signed with the deployment's app
   * secret, as Meta sends it, through `ignacio dev whatsapp` (the signed simulator). */
  whatsapp(phone: string, text: string, name?: string): Promise<void>;
  /** The next message the console channel printed for `phone` after `offset` that contains `text`. */
  sentTo(phone: string, text: string | RegExp, offset?: number, ms?: number): Promise<string>;
  /** A new workspace (an organisation), run by `admin` (a phone number). */
  createWorkspace(name: string, slug: string, admin: string): Promise<void>;
  /** `phone` joins `workspace` (its short name) with `role`, from the command line. */
  addMember(workspace: string, phone: string, role: "admin" | "agent" | "member", name: string): Promise<void>;
  /** The API as `phone`, logged in with the code the console printed (one code request): quicker
   * than the command line for setting up workspaces and roles. */
  as(phone: string): Promise<ApiCall>;
  stop(): Promise<void>;
}

/** The Meta number the fake Graph API knows, and the only token it accepts for it. */
export const META_NUMBER = { phoneNumberId: "106540352242922", token: "EAAGe2eSecretAccessToken0123456789" };

/** `GET /{version}/{phone-number-id}` as Meta answers it: the number for its token, else
 * error 190 (an invalid token) or 100 (no such object for this token). */
async function startFakeGraph(): Promise<{ url: string; server: Server }> {
  const server = createHttpServer((request, response) => {
    const [, , id] = new URL(request.url ?? "/", "http://graph").pathname.split("/");
    const token = (request.headers.authorization ?? "").replace(/^Bearer /, "");
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method !== "GET" || id !== META_NUMBER.phoneNumberId) {
      answer(400, { error: { message: "Unsupported get request.", type: "GraphMethodException", code: 100 } });
    } else if (token !== META_NUMBER.token) {
      answer(401, { error: { message: "Invalid OAuth access token.", type: "OAuthException", code: 190 } });
    } else {
      answer(200, { display_phone_number: "+34 910 000 111", id });
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}`, server };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("IGNACIO_") && !key.startsWith("JWT_")) env[key] = value;
  }
  return { ...env, PYTHONUNBUFFERED: "1", ...extra };
}

export interface StartOptions {
  /** More settings (a model's, say), over the defaults below. */
  env?: Record<string, string>;
  /** Links in messages point at this server (IGNACIO_PUBLIC_URL). */
  linksHere?: boolean;
}

export async function startIgnacio(webDir: string, options: StartOptions = {}): Promise<Ignacio> {
  const workdir = await mkdtemp(path.join(tmpdir(), "ignacio-browser-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const graph = await startFakeGraph();
  const env = environment({
    IGNACIO_WEB_DIR: webDir,
    WHATSAPP_API_BASE_URL: graph.url,
    // Every person in these tests shares 127.0.0.1, so the per-address limits are raised (the
    // API's, and login codes': every login, in the browser or through the API, asks for one).
    IGNACIO_API_RATE_LIMIT: "1000",
    IGNACIO_OTP_REQUESTS_PER_CLIENT: "1000",
    IGNACIO_MESSAGE_LOGINS_PER_CLIENT: "1000",
    // Long enough for a login by message to be sent and confirmed, short enough to watch one
    // expire (the login page's countdown, then the server's "not valid").
    IGNACIO_MESSAGE_LOGIN_TTL_SECONDS: "40",
    ...(options.linksHere ? { IGNACIO_PUBLIC_URL: url } : {}),
    ...options.env,
  });
  let output = "";
  const waiters = new Set<() => void>();
  const server: ChildProcess = spawn(IGNACIO, ["serve", "--port", String(port)], {
    cwd: workdir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const wake of waiters) wake();
  };
  server.stdout?.on("data", collect);
  server.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)));

  /** Resolves when `test` finds something in the output, or rejects after `ms`. */
  function waitFor<T>(test: () => T | undefined, what: string, ms = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = test();
        if (found !== undefined) {
          cleanup();
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`Timed out waiting for ${what}. Server output:\n${output.slice(-4000)}`));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  async function call(method: string, path: string, body: unknown, token: string | null): Promise<unknown> {
    const response = await fetch(url + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  function codeFor(phone: string, offset = 0): Promise<string> {
    const pattern = new RegExp(`\\[whatsapp -> ${phone.replace("+", "\\+")}\\] Your Ignacio login code is (\\d{6})`);
    return waitFor(() => pattern.exec(output.slice(offset))?.[1], `a login code for ${phone}`);
  }

  const started = Date.now();
  for (;;) {
    if (server.exitCode !== null) throw new Error(`ignacio serve exited (${server.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 150_000) throw new Error(`ignacio serve did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // poll interval while it starts
  }

  return {
    url,
    output: () => output,
    codeFor,
    async as(phone) {
      const offset = output.length;
      await call("POST", "/auth/request-otp", { phoneNumber: phone }, null);
      const code = await codeFor(phone, offset);
      const login = (await call("POST", "/auth/verify-otp", { phoneNumber: phone, code }, null)) as { accessToken: string };
      return (method, path, body) => call(method, path, body, login.accessToken);
    },
    async createUser(phone, name, admin = false) {
      await run(IGNACIO, ["users", "create", "--phone", phone, "--name", name, ...(admin ? ["--admin"] : [])], {
        cwd: workdir,
        env,
      });
    },
    async whatsapp(phone, text, name = "Dev User") {
      const { stdout } = await run(IGNACIO, ["dev", "whatsapp", "--from", phone, "--name", name, "--url", url, text], {
        cwd: workdir,
        env,
      });
      if (!stdout.startsWith("200")) throw new Error(`The signed WhatsApp delivery was refused: ${stdout}`);
    },
    sentTo(phone, text, offset = 0, ms = 30_000) {
      const prefix = `[whatsapp -> ${phone}] `;
      const matches = (message: string) => (typeof text === "string" ? message.includes(text) : text.test(message));
      return waitFor(() => {
        const lines = output.slice(offset).split("\n");
        for (let index = 0; index < lines.length; index += 1) {
          if (!lines[index]!.startsWith(prefix)) continue;
          // A message of several lines goes on indented under its first; a blank line in it
          // is printed empty (and one ends it, when no indented line follows).
          let message = lines[index]!.slice(prefix.length);
          for (let next = index + 1; ; next += 1) {
            const line = lines[next];
            if (line?.startsWith("    ")) message += `\n${line.trim()}`;
            else if (line === "" && lines[next + 1]?.startsWith("    ")) message += "\n";
            else break;
          }
          if (matches(message)) return message;
        }
        return undefined;
      }, `a WhatsApp message to ${phone} with ${String(text)}`, ms);
    },
    async createWorkspace(name, slug, admin) {
      await run(IGNACIO, ["workspaces", "create", name, "--slug", slug, "--admin", admin], { cwd: workdir, env });
    },
    async addMember(workspace, phone, role, name) {
      await run(IGNACIO, ["workspaces", "add-member", workspace, "--phone", phone, "--role", role, "--name", name], {
        cwd: workdir,
        env,
      });
    },
    async stop() {
      if (server.exitCode === null) {
        server.kill("SIGTERM");
        const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await new Promise((resolve) => graph.server.close(resolve));
      await rm(workdir, { recursive: true, force: true });
    },
  };
}
