// set and setValue: one set request, the server's answer cached, and the
// value really stored by the server's set route.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { connect, outcome, plain, serverForTheseTests } from './server.js';

const server = serverForTheseTests();

test('set sends one set request and the server stores the value', async () => {
  const { model, requests } = connect(server.url);

  const answer = await model.set({ path: ['videos', 1, 'userRating'], value: 4 });

  assert.deepEqual(plain(answer), { json: { videos: { 1: { userRating: 4 } } } });
  assert.deepEqual(requests, [
    {
      http: 'POST',
      method: 'set',
      jsonGraph: { jsonGraph: { videos: { 1: { userRating: 4 } } }, paths: [['videos', 1, 'userRating']] },
    },
  ]);

  // Another client, with an empty cache, reads it from the server.
  const other = connect(server.url);
  assert.equal(await other.model.getValue('videos[1].userRating'), 4);
  assert.equal(other.requests.length, 1);
});

test('setValue through refs the client has not seen: the server follows them', async () => {
  const { model, requests } = connect(server.url);

  // genreLists[1] → lists.dramas, lists.dramas[1] → videos[4].
  assert.equal(await model.setValue('genreLists[1][1].userRating', 5), 5);

  assert.deepEqual(requests, [
    {
      http: 'POST',
      method: 'set',
      jsonGraph: {
        jsonGraph: { genreLists: { 1: { 1: { userRating: 5 } } } },
        paths: [['genreLists', 1, 1, 'userRating']],
      },
    },
  ]);
  // The refs came back with the answer: reading through them needs nothing more.
  assert.equal(await model.getValue('lists.dramas[1].userRating'), 5);
  assert.equal(requests.length, 1);

  const other = connect(server.url);
  assert.equal(await other.model.getValue('videos[4].userRating'), 5);
});

test('a failing set handler: the error at its path, nothing stored', async () => {
  const { model, requests } = connect(server.url);

  const { error } = await outcome(model.setValue('videos[2].userRating', 9));

  assert.deepEqual(error, [
    { path: ['videos', 2, 'userRating'], value: { message: 'userRating must be an integer from 1 to 5' } },
  ]);
  assert.equal(requests.length, 1);
  assert.equal(requests[0].method, 'set');

  const other = connect(server.url);
  assert.equal(await other.model.getValue('videos[2].userRating'), undefined);
  assert.equal(other.requests.length, 1);
});
