// The harness of the remote tests: Peregrine in front of a real
// falcor-router server. It starts three processes on free ports of
// 127.0.0.1:
//
// - the demo backend (`peregrine backend`, no latency);
// - falcor-node over it: the reference server of shared/peers
//   (falcor-router + falcor-express), installed in `.falcor-node/` by
//   run.sh;
// - `peregrine serve --no-catalog` with examples/falcor-router as written:
//   the videos' fields other than `rating` from the backend's catalog
//   service, every other path through its `[fallback]` to falcor-node.
//
// Then the real falcor Model connects to either server as a user, so that
// a test can ask both the same thing and compare.
//
// The binary must be built first (run.sh does: `cargo build --bin
// peregrine`). PEREGRINE_BIN names another binary; CARGO_TARGET_DIR is
// honoured.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import { connect, plain } from './server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR
  ? path.resolve(root, process.env.CARGO_TARGET_DIR)
  : path.join(root, 'target');
const binary = process.env.PEREGRINE_BIN
  ? path.resolve(process.env.PEREGRINE_BIN)
  : path.join(targetDir, 'debug', 'peregrine');
const falcorNodeDir = path.join(here, '.falcor-node');
const routes = path.join(root, 'examples', 'falcor-router');

/**
 * Starts `command` and resolves once a line of its output (stdout or
 * stderr) matches `pattern`, whose group 1 is its URL.
 *
 * `stop()` sends SIGTERM (SIGKILL 5 s later) and resolves to `{code,
 * signal}`. What it printed is in the error if it fails to start.
 */
function start(name, command, args, pattern, options = {}) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, RUST_LOG: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Should this process die first, the servers go with it.
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  const exited = once(child, 'exit').then(([code, signal]) => {
    process.off('exit', orphaned);
    return { code, signal };
  });
  let output = '';
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${name} did not say where it listens within 20 s:\n${output}`));
    }, 20000);
    const read = (chunk) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], stop });
      }
    };
    child.stdout.setEncoding('utf8').on('data', read);
    child.stderr.setEncoding('utf8').on('data', read);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}, signal ${signal}) before listening:\n${output}`));
    });
  });
}

/** A port free right now on 127.0.0.1 (falcor-node takes no port 0). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * The three servers of `startRemote` for the tests of the calling file:
 * started before them, and after them stopped, checking that all exit 0.
 * The object returned is what `startRemote` gives while the tests run.
 */
export function remoteForTheseTests() {
  const remote = {};
  before(async () => {
    Object.assign(remote, await startRemote());
  });
  after(async () => {
    const exit = { code: 0, signal: null };
    assert.deepEqual(await remote.stop(), { peregrine: exit, falcorNode: exit, backend: exit }, 'all exit 0 on SIGTERM');
  });
  return remote;
}

/**
 * Starts the backend, falcor-node over it and Peregrine in front of
 * falcor-node. Resolves to `{peregrine, falcorNode, backend}` (each with
 * its `url`: the two `/model.json`s and the backend's base) and
 * `stop()`, which stops all three and resolves to their exits by name.
 */
export async function startRemote() {
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: build it with \`cargo build --bin peregrine\` (run.sh does)`);
  }
  if (!existsSync(path.join(falcorNodeDir, 'node_modules'))) {
    throw new Error(`falcor-node is not installed in ${falcorNodeDir}: run.sh installs it`);
  }
  const started = {};
  const stop = async () => {
    const exits = {};
    // In front first, so that nothing calls a server already gone.
    for (const name of ['peregrine', 'falcorNode', 'backend']) {
      if (started[name]) {
        exits[name] = await started[name].stop();
      }
    }
    return exits;
  };
  try {
    started.backend = await start(
      'peregrine backend',
      binary,
      ['backend', '--port', '0', '--latency-ms', '0', '--per-item-us', '0'],
      /demo backend listening on (http:\/\/127\.0\.0\.1:\d+)/,
    );
    const backend = started.backend.url;
    started.falcorNode = await start(
      'falcor-node',
      process.execPath,
      ['server.js', '--port', String(await freePort()), '--backend', backend],
      /falcor-node listening on (http:\/\/127\.0\.0\.1:\d+\/model\.json)/,
      { cwd: falcorNodeDir },
    );
    started.peregrine = await start(
      'peregrine serve',
      binary,
      ['serve', '--no-catalog', '--dev-auth', '--port', '0', '--backend', backend, '--routes', routes],
      /peregrine listening on (http:\/\/127\.0\.0\.1:\d+\/model\.json)/,
      { cwd: root, env: { LEGACY_URL: new URL(started.falcorNode.url).origin, CATALOG_URL: backend } },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { ...started, stop };
}

/** The header that makes a request user `user`'s (`u17`); none without one. */
function as(user) {
  return user === undefined ? {} : { Authorization: `Bearer ${user}` };
}

/**
 * Two new Models, empty caches, both as `user`: one on Peregrine, one on
 * falcor-node alone; each `{model, requests}` as `connect` gives.
 */
export function models(remote, user) {
  return {
    peregrine: connect(remote.peregrine.url, as(user)),
    falcorNode: connect(remote.falcorNode.url, as(user)),
  };
}

/**
 * Asks the two Models of `pair` for `paths` at once and asserts that they
 * output the same; answers that output (plain).
 */
export async function same(pair, ...paths) {
  const [fromPeregrine, fromFalcorNode] = await Promise.all([
    pair.peregrine.model.get(...paths),
    pair.falcorNode.model.get(...paths),
  ]);
  assert.deepEqual(plain(fromPeregrine), plain(fromFalcorNode), `get ${JSON.stringify(paths)}`);
  return plain(fromPeregrine);
}

/** A get sent by hand as `user` (none if undefined), as falcor-http-datasource sends it: the envelope. */
export async function envelope(url, user, paths) {
  const query = new URLSearchParams({ method: 'get', paths: JSON.stringify(paths) });
  const response = await fetch(`${url}?${query}`, { headers: as(user) });
  if (!response.ok) {
    throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  }
  return response.json();
}
