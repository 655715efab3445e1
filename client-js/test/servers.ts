// Starting the servers the end-to-end, interop and browser tests talk to:
// on 127.0.0.1 only, on a port read from what they print, killed at the end.
import { afterAll, beforeAll } from "vitest";
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The client-js folder. */
export const clientDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The server binary: `PEREGRINE_BIN`, else the checkout's release build. */
export const peregrineBin = resolve(clientDir, process.env.PEREGRINE_BIN || "../target/release/peregrine");

/** The reference servers: `PEREGRINE_PEERS` (relative to client-js), else the shared/ folder beside the repository. */
export const peersDir = resolve(clientDir, process.env.PEREGRINE_PEERS || "../../shared/peers");

export interface Running {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `command` and waits for a line of its output that `pattern` matches; its group 1 is the URL. */
export function start(command: string, args: string[], pattern: RegExp, options: { cwd?: string; stream?: "stdout" | "stderr" } = {}): Promise<Running> {
  if (!existsSync(command) && command.includes("/")) {
    return Promise.reject(new Error(`${command} does not exist: build it (cargo build --release) or set PEREGRINE_BIN`));
  }
  const child = spawn(command, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: "warn" } });
  let output = "";
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode != null || child.signalCode != null) return done();
      child.once("exit", () => done());
      child.kill("SIGKILL");
    });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} did not say it was listening within 20 s:\n${output}`));
    }, 20000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const m = pattern.exec(output);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ url: m[1], process: child, output: () => output, stop });
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(" ")} exited (${code}) before listening:\n${output}`));
    });
  });
}

/** `peregrine demo` on a free port, with `args` after its own (`--routes DIR`): answers the URL of /model.json. */
export function startDemo(demoDir = join(clientDir, "demo", "dist"), args: string[] = []): Promise<Running> {
  return start(peregrineBin, ["demo", "--port", "0", "--demo-dir", demoDir, ...args], /peregrine demo listening on (http:\/\/127\.0\.0\.1:\d+\/model\.json)/);
}

/** `peregrine serve` on a free port, with `args` after its own (it needs `--backend`, and `--jwt-secret` or `--dev-auth`): answers the URL of /model.json. */
export function startServe(args: string[], demoDir = join(clientDir, "demo", "dist")): Promise<Running> {
  return start(peregrineBin, ["serve", "--port", "0", "--demo-dir", demoDir, ...args], /peregrine listening on (http:\/\/127\.0\.0\.1:\d+\/model\.json)/);
}

/** `peregrine backend` on a free port, with no latency. */
export function startBackend(): Promise<Running> {
  return start(peregrineBin, ["backend", "--port", "0", "--latency-ms", "0", "--per-item-us", "0"], /demo backend listening on (http:\/\/127\.0\.0\.1:\d+)/);
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** The falcor-node reference server over `backend`, installed under .interop/ on first use. */
export async function startFalcorNode(backend: string): Promise<Running> {
  const source = join(peersDir, "falcor-node");
  const dir = join(clientDir, ".interop", "falcor-node");
  mkdirSync(dir, { recursive: true });
  for (const file of ["package.json", "package-lock.json", "server.js"]) {
    const to = join(dir, file);
    // Copied only when changed, so that node_modules stays newer than the lockfile.
    if (!existsSync(to) || !readFileSync(to).equals(readFileSync(join(source, file)))) copyFileSync(join(source, file), to);
  }
  const modules = join(dir, "node_modules");
  if (!existsSync(modules) || statSync(modules).mtimeMs < statSync(join(dir, "package-lock.json")).mtimeMs) {
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" });
  }
  const port = await freePort();
  return start(process.execPath, ["server.js", "--port", String(port), "--backend", backend], /falcor-node listening on (http:\/\/127\.0\.0\.1:\d+\/model\.json)/, { cwd: dir });
}

/** A fetch that counts and records the requests it makes. */
export function countingFetch() {
  const log: Array<{ method: string; url: string; body?: string; status?: number }> = [];
  const counted = (async (url: string, init: RequestInit = {}) => {
    const entry: (typeof log)[number] = { method: init.method || "GET", url: String(url), body: init.body as string | undefined };
    log.push(entry);
    const res = await fetch(url, init);
    entry.status = res.status;
    return res;
  }) as typeof fetch;
  return { log, fetch: counted };
}

/** The browser tests' setup: before the file's tests, `peregrine demo` (with `args`) and a headless Chromium (`CHROMIUM_BIN`, default /usr/bin/chromium), once `page` (a file of demo/dist) is built; after them, both stopped. */
export function demoInBrowser(page: string, args: string[] = []): { demo: () => Running; browser: () => Browser } {
  let demo: Running | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!existsSync(join(clientDir, "demo", "dist", page))) throw new Error(`demo/dist/${page} is not built: npm run build:demo`);
    demo = await startDemo(undefined, args);
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium", args: ["--no-sandbox"] });
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });
  const started = <T>(what: T | undefined, name: string): T => {
    if (!what) throw new Error(`${name} did not start`);
    return what;
  };
  return { demo: () => started(demo, "peregrine demo"), browser: () => started(browser, "Chromium") };
}
