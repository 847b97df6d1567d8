// Starts the real release server (target/release/server) on a fixed port with a fresh SQLite
// database and the demo data, and can stop and restart it on the same origin and database.
import { spawn, execFileSync, ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/** SQLite by default; PostgreSQL (a new database in the test cluster) when MIMAMORI_E2E_DATABASE=postgres. */
function freshDatabase(dir: string): string {
  if (process.env.MIMAMORI_E2E_DATABASE !== "postgres") return `sqlite://${dir}/mimamori.db`;
  const admin = process.env.MIMAMORI_TEST_POSTGRES_URL;
  if (!admin) throw new Error("MIMAMORI_E2E_DATABASE=postgres needs MIMAMORI_TEST_POSTGRES_URL (scripts/test.sh sets it)");
  const name = `e2e_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  execFileSync("psql", [admin, "-q", "-c", `CREATE DATABASE ${name}`]);
  return `${admin.slice(0, admin.lastIndexOf("/"))}/${name}`;
}

export class TestServer {
  readonly dir: string;
  readonly siteRoot: string;
  readonly url: string;
  readonly databaseUrl: string;
  private proc?: ChildProcess;
  log = "";

  private constructor(readonly port: number, readonly env: Record<string, string> = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "mimamori-e2e-"));
    // A private copy of the built site, so a test can ship a "new release" into it.
    this.siteRoot = path.join(this.dir, "site");
    // Timestamps kept: the brotli copies of scripts/precompress.sh stay up to date in the copy.
    fs.cpSync(path.join(ROOT, "target/site"), this.siteRoot, { recursive: true, preserveTimestamps: true });
    this.url = `http://127.0.0.1:${port}`;
    this.databaseUrl = freshDatabase(this.dir);
  }

  /** `env`: settings beyond the defaults (the map's tile server, say). */
  static async start(env: Record<string, string> = {}): Promise<TestServer> {
    const s = new TestServer(await freePort(), env);
    await s.up();
    return s;
  }

  async up(): Promise<void> {
    this.proc = spawn(path.join(ROOT, "target/release/server"), [], {
      cwd: this.dir,
      env: {
        ...process.env,
        MIMAMORI_ADDR: `127.0.0.1:${this.port}`,
        MIMAMORI_DATABASE_URL: this.databaseUrl,
        MIMAMORI_SITE_ROOT: this.siteRoot,
        MIMAMORI_HASH_FILE: path.join(ROOT, "target/release/hash.txt"),
        MIMAMORI_DEMO: "1",
        RUST_LOG: "warn",
        ...this.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc.stdout!.on("data", (d) => (this.log += d));
    this.proc.stderr!.on("data", (d) => (this.log += d));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${this.url}/api/v1/health`);
        if (res.ok) return;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server did not start:\n${this.log}`);
  }

  /** Stops the server: from the browser's side, the network is gone. */
  async down(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM");
    await exited;
  }

  async dispose(): Promise<void> {
    await this.down();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Signs in through the API, as an API client would, and returns the session cookie. */
  async signIn(login: string): Promise<string> {
    const res = await fetch(`${this.url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-mimamori-request": "1" },
      body: JSON.stringify({ login, password: "mimamori" }),
    });
    if (res.status !== 200) throw new Error(`sign-in as ${login}: ${res.status}`);
    return res.headers.get("set-cookie")!.split(";")[0];
  }

  async pull(cookie: string): Promise<any> {
    const res = await fetch(`${this.url}/api/v1/sync/pull?cursor=0`, { headers: { cookie } });
    if (res.status !== 200) throw new Error(`pull: ${res.status}`);
    return res.json();
  }

  /** Any API call as an API client would make it (JSON in, JSON out). */
  async api(cookie: string, method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: { cookie, "content-type": "application/json", "x-mimamori-request": "1" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** The full records of everyone the user may see (the scope manifest, then a fetch). */
  async persons(cookie: string): Promise<any[]> {
    const ids = (await this.pull(cookie)).scope.map((s: any) => s.id);
    return (await this.api(cookie, "POST", "/sync/persons", { ids })).persons;
  }

  /** Every check the user may see, in server order, following the cursor through all pages. */
  async allChecks(cookie: string): Promise<any[]> {
    const out: any[] = [];
    let cursor = 0;
    for (;;) {
      const res = await fetch(`${this.url}/api/v1/sync/pull?cursor=${cursor}`, { headers: { cookie } });
      if (res.status !== 200) throw new Error(`pull: ${res.status}`);
      const page = await res.json();
      out.push(...page.checks);
      cursor = page.cursor;
      if (!page.more) return out;
    }
  }
}
