// The harness: starts examples/e2e_server.rs and connects the real falcor
// Model to it through the real falcor-http-datasource, recording every
// HTTP request the data source makes.
//
// The binary must be built first (run.sh does: `cargo build --example
// e2e_server`). E2E_SERVER names another binary; CARGO_TARGET_DIR is
// honoured.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

import falcor from 'falcor';
import HttpDataSource from 'falcor-http-datasource';

export { falcor };

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR
  ? path.resolve(root, process.env.CARGO_TARGET_DIR)
  : path.join(root, 'target');
const binary = process.env.E2E_SERVER ?? path.join(targetDir, 'debug', 'examples', 'e2e_server');

/**
 * A server for the tests of the calling file: started before them, and
 * after them stopped with SIGTERM, checking that it drains, exits 0 and
 * printed nothing after its address. The object returned is the server
 * (as `startServer` gives it) while the tests run.
 */
export function serverForTheseTests() {
  const server = {};
  before(async () => {
    Object.assign(server, await startServer());
  });
  after(async () => {
    const exit = await server.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, 'the server drains and exits 0 on SIGTERM');
    assert.deepEqual(server.extraOutput, [], 'the server prints nothing after its address');
  });
  return server;
}

/**
 * Starts a server with fresh state. Resolves once it printed its address.
 *
 * `stop(how)` ends it by closing its stdin ('stdin') or with SIGTERM
 * ('SIGTERM', the default) and resolves to `{code, signal}`.
 */
export async function startServer() {
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: build it with \`cargo build --example e2e_server\` (run.sh does)`);
  }
  // stdin is a pipe the server watches: if this process dies, the pipe
  // closes and the server stops by itself.
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => line),
    exited.then(({ code, signal }) => {
      throw new Error(`e2e_server exited (code ${code}, signal ${signal}) before printing its address`);
    }),
    once(child, 'error').then(([err]) => {
      throw err;
    }),
  ]);
  const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
  if (!match) {
    child.kill('SIGKILL');
    throw new Error(`unexpected first line from e2e_server: ${JSON.stringify(first)}`);
  }
  const extra = [];
  lines.on('line', (line) => extra.push(line));
  return {
    url: `${match[1]}/model.json`,
    /** Lines the server printed after its address (there should be none). */
    extraOutput: extra,
    async stop(how = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        if (how === 'stdin') {
          child.stdin.end();
        } else {
          child.kill(how);
        }
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Decodes the parameters of one request as falcor-express would. */
function decode(config) {
  const query = config.method === 'GET' ? new URL(config.url).search.slice(1) : config.data;
  const params = new URLSearchParams(query);
  const request = { http: config.method };
  for (const [name, value] of params) {
    const parsed = ['paths', 'jsonGraph', 'callPath', 'arguments', 'pathSuffixes'].includes(name);
    request[name] = parsed && value !== '' ? JSON.parse(value) : value;
  }
  return request;
}

/** falcor-http-datasource with every request recorded, decoded. */
class RecordingSource extends HttpDataSource {
  constructor(url, requests, headers) {
    // Under Node the data source makes its requests with the
    // `xmlhttprequest` package. `crossDomain` must stay false there: true
    // makes it look for a browser's global XMLHttpRequest, which Node
    // lacks. `withCredentials` is ignored by that package. The headers
    // object is the source's own: set and call add a Content-Type to it.
    super(url, { timeout: 5000, headers: { ...headers } });
    this.requests = requests;
  }

  // The hook falcor-http-datasource calls with each request's config.
  onBeforeRequest(config) {
    this.requests.push(decode(config));
  }
}

/**
 * A new Model, with an empty cache, on the server at `url`; `requests`
 * lists what it sent: `{http, method, paths, jsonGraph, callPath,
 * arguments, pathSuffixes}` as decoded from the wire. `headers` go with
 * each request (`{ Authorization: 'Bearer u17' }`).
 */
export function connect(url, headers = {}) {
  const requests = [];
  const model = new falcor.Model({ source: new RecordingSource(url, requests, headers) });
  return { model, requests };
}

/** JSON output without falcor's `$__path` bookkeeping, for deepEqual. */
export function plain(json) {
  if (json === undefined) {
    return undefined;
  }
  return JSON.parse(JSON.stringify(json, (key, value) => (key === '$__path' ? undefined : value)));
}

/**
 * Runs a ModelResponse to its end: `{values, error}`, the values it emitted
 * (plain) and the error it ended with, if any.
 */
export function outcome(response) {
  return new Promise((resolve) => {
    const values = [];
    response.subscribe(
      (value) => values.push(plain(value)),
      (error) => resolve({ values, error }),
      () => resolve({ values, error: undefined }),
    );
  });
}
