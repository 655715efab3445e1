// call: myList.push with path suffixes and this-paths, myList.remove with
// invalidations, and failing calls.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { connect, falcor, outcome, plain, serverForTheseTests } from './server.js';

const server = serverForTheseTests();

// The tests change myList (it starts as videos 1, 2) and run in order.

test('push returns the new item through its ref and pathSuffixes, and the length', async () => {
  const { model, requests } = connect(server.url);

  const answer = await model.call('myList.push', [falcor.Model.ref(['videos', 6])], [['title']], [['length']]);

  assert.deepEqual(plain(answer), { json: { myList: { 2: { title: 'Fargo' }, length: 3 } } });
  assert.deepEqual(requests, [
    {
      http: 'POST',
      method: 'call',
      callPath: ['myList', 'push'],
      arguments: [{ $type: 'ref', value: ['videos', 6] }],
      pathSuffixes: [['title']],
      paths: [['length']],
    },
  ]);

  // The new ref and its target were cached: only the old items are fetched.
  const list = await model.get('myList[0..2].title', 'myList.length');
  assert.deepEqual(plain(list), {
    json: { myList: { 0: { title: 'Arrival' }, 1: { title: 'Brazil' }, 2: { title: 'Fargo' }, length: 3 } },
  });
  assert.equal(requests.length, 2);
  assert.deepEqual(requests[1].paths, [['myList', { from: 0, to: 1 }, 'title']]);
});

test('remove invalidates the shifted items and a later get fetches them again', async () => {
  const { model, requests } = connect(server.url);
  await model.get('myList[0..2].title', 'myList.length');
  assert.equal(requests.length, 1);

  const answer = await model.call('myList.remove', [0], [], [['length']]);

  assert.deepEqual(plain(answer), { json: { myList: { length: 2 } } });
  assert.deepEqual(requests[1], {
    http: 'POST',
    method: 'call',
    callPath: ['myList', 'remove'],
    arguments: [0],
    pathSuffixes: [],
    paths: [['length']],
  });
  // The invalidated refs are gone from the cache, their targets are not.
  const cache = model.getCache();
  assert.deepEqual(cache.myList, { length: 2 });
  assert.equal(cache.videos[6].title, 'Fargo');

  const list = await model.get('myList[0..2].title', 'myList.length');
  assert.deepEqual(plain(list), { json: { myList: { 0: { title: 'Brazil' }, 1: { title: 'Fargo' }, 2: {}, length: 2 } } });
  assert.equal(requests.length, 3);
  assert.deepEqual(requests[2].paths, [['myList', { from: 0, to: 2 }, 'title']]);
});

test('a failing call handler rejects the call with its message', async () => {
  const { model, requests } = connect(server.url);

  const { values, error } = await outcome(model.call('myList.remove', [42], [], [['length']]));

  assert.deepEqual(values, []);
  assert.ok(error instanceof Error, 'the data source reports the HTTP error as an Error');
  assert.match(error.message, /myList\.remove takes an index below 2/);
  assert.equal(requests.length, 1);
  // Nothing was removed.
  assert.equal(await connect(server.url).model.getValue('myList.length'), 2);
});

test('calling a function no route serves rejects', async () => {
  const { model } = connect(server.url);

  await assert.rejects(model.call('myList.shuffle', []).then(), (error) => {
    assert.match(error.message, /myList\.shuffle/);
    return true;
  });
});
