// The example server stops cleanly both ways the harness can stop it.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { connect, startServer } from './server.js';

for (const how of ['stdin', 'SIGTERM']) {
  test(`the server exits 0 when ${how === 'stdin' ? 'its stdin closes' : 'sent SIGTERM'}`, async () => {
    const server = await startServer();
    assert.equal(await connect(server.url).model.getValue('videos[5].title'), 'Ed Wood');
    assert.deepEqual(await server.stop(how), { code: 0, signal: null });
  });
}
