// Writes through Peregrine in front of falcor-node (examples/falcor-router:
// every set and call goes through the fallback): falcor-node alone sees
// them, Peregrine reads them back as falcor-node does, and the Model gets
// the same answers and invalidations from both.
//
// Each test has users of its own. Writes on falcor-node alone are only
// for users not read through Peregrine before: Peregrine caches the
// fallback's answers per user for a minute, and only a write through
// Peregrine drops them.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { falcor, plain } from './server.js';
import { models, remoteForTheseTests, same } from './remote.js';

const remote = remoteForTheseTests();

/** Where the ref at `path` leads, through the refs cached in `model` on the way. */
function target(model, path) {
  const cache = model.getCache();
  let at = [];
  for (const key of path) {
    const node = [...at, key].reduce((parent, step) => parent[step], cache);
    at = node.$type === 'ref' ? node.value : [...at, key];
  }
  return at;
}

test('setValue through refs on Peregrine: falcor-node alone sees it, Peregrine reads it back', async () => {
  const path = ['genreLists', 0, 0, 'rating'];
  const before = models(remote, 'u21');
  // Through Peregrine first, so that its fallback has the old rating cached.
  const old = await before.peregrine.model.getValue(path);
  assert.equal(old, await before.falcorNode.model.getValue(path));
  assert.notEqual(old, 2, 'the set changes the rating');
  const { model, requests } = models(remote, 'u21').peregrine;

  assert.equal(await model.setValue(path, 2), 2);

  assert.deepEqual(requests, [
    {
      http: 'POST',
      method: 'set',
      jsonGraph: { jsonGraph: { genreLists: { 0: { 0: { rating: 2 } } } }, paths: [path] },
    },
  ]);
  // The refs came back with the answer: reading through them needs nothing more.
  const [, list] = target(model, ['genreLists', 0]);
  const [, id] = target(model, ['genreLists', 0, 0]);
  assert.equal(await model.getValue(['lists', list, 0, 'rating']), 2);
  assert.equal(await model.getValue(['videos', id, 'rating']), 2);
  assert.equal(requests.length, 1);

  // Fresh Models, the first asking what Peregrine had cached before the set.
  const fresh = models(remote, 'u21');
  assert.equal(await fresh.peregrine.model.getValue(path), 2);
  assert.equal(await fresh.falcorNode.model.getValue(path), 2);
  assert.equal(await models(remote, 'u21').falcorNode.model.getValue(['videos', id, 'rating']), 2);
  const row = await same(fresh, 'genreLists[0][0..2]["title","rating"]');
  assert.equal(row.json.genreLists[0][0].rating, 2);
  // Another user's rating of the same video did not change.
  const other = models(remote, 'u22');
  assert.equal(
    await other.peregrine.model.getValue(['videos', id, 'rating']),
    await other.falcorNode.model.getValue(['videos', id, 'rating']),
  );
});

test('the same setValue through either server: the same answer, the same cache', async () => {
  const path = ['genreLists', 1, 2, 'rating'];
  const throughPeregrine = models(remote, 'u23').peregrine;
  const throughFalcorNode = models(remote, 'u24').falcorNode;

  const answers = await Promise.all(
    [throughPeregrine, throughFalcorNode].map(({ model }) => model.set({ path, value: 5 })),
  );

  assert.deepEqual(plain(answers[0]), plain(answers[1]));
  assert.deepEqual(plain(answers[0]), { json: { genreLists: { 1: { 2: { rating: 5 } } } } });
  // The refs and the video each set went through, as each user's rows lead.
  for (const { model } of [throughPeregrine, throughFalcorNode]) {
    const [, id] = target(model, path.slice(0, 3));
    assert.equal(model.getCache().videos[id].rating, 5);
  }
  assert.deepEqual(throughPeregrine.requests, throughFalcorNode.requests);
});

test('a direct videos[N].rating set through Peregrine: both read the new rating', async () => {
  const user = 'u25';
  const row = 'genreLists[2][0..3]["title","rating"]';
  const before = models(remote, user);
  await before.peregrine.model.get(row);
  const [, video] = target(before.peregrine.model, ['genreLists', 2, 3]);
  const old = await before.falcorNode.model.getValue(['videos', video, 'rating']);
  const rating = old === 4 ? 5 : 4;
  const { model, requests } = models(remote, user).peregrine;

  const answer = await model.set({ path: ['videos', video, 'rating'], value: rating });

  assert.deepEqual(plain(answer), { json: { videos: { [video]: { rating } } } });
  assert.deepEqual(requests, [
    {
      http: 'POST',
      method: 'set',
      jsonGraph: { jsonGraph: { videos: { [video]: { rating } } }, paths: [['videos', video, 'rating']] },
    },
  ]);
  // Fresh Models, the first asking what Peregrine had cached before the set.
  const fresh = models(remote, user);
  assert.equal((await same(fresh, row)).json.genreLists[2][3].rating, rating);
  const detail = await same(models(remote, user), `videos[${video}]["title","rating","year"]`);
  assert.equal(detail.json.videos[video].rating, rating);
});

/** Pushes video `id` onto `model`'s list with `title` read back, and `length`. */
function push(model, id) {
  return model.call(['myList', 'push'], [{ $type: 'ref', value: ['videos', id] }], [['title']], [['length']]);
}

test('push through Peregrine answers as through falcor-node, and my list agrees afterwards', async () => {
  const id = 42;
  const bystander = models(remote, 'u30');
  const unchanged = await same(bystander, 'myList[0..9].title', 'myList.length');
  const runs = [
    { user: 'u31', server: 'peregrine' },
    { user: 'u32', server: 'falcorNode' },
  ];
  for (const entry of runs) {
    const { user, server } = entry;
    // Each user's list and the video's title, read where the push goes
    // (Peregrine's cache of u31's list is what the push must drop).
    const before = models(remote, user)[server].model;
    const length = await before.getValue('myList.length');
    const title = await before.getValue(['videos', id, 'title']);
    await before.get(`myList[0..${length}].title`);
    const { model, requests } = models(remote, user)[server];

    const answer = await push(model, id);

    assert.deepEqual(plain(answer), { json: { myList: { [length]: { title }, length: length + 1 } } }, server);
    assert.deepEqual(requests, [
      {
        http: 'POST',
        method: 'call',
        callPath: ['myList', 'push'],
        arguments: [falcor.Model.ref(['videos', id])],
        pathSuffixes: [['title']],
        paths: [['length']],
      },
    ]);
    // The new ref and its target were cached: only the old items are fetched.
    const list = await model.get(`myList[0..${length}].title`, 'myList.length');
    assert.equal(requests.length, 2);
    assert.deepEqual(requests[1].paths, [['myList', { from: 0, to: length - 1 }, 'title']]);
    entry.list = plain(list);
  }
  // The list after the push, read fresh through both, the length first
  // alone: Peregrine had it cached for u31 before the push.
  for (const { user, list } of runs) {
    const lengths = models(remote, user);
    assert.equal(await lengths.peregrine.model.getValue('myList.length'), list.json.myList.length, user);
    assert.equal(await lengths.falcorNode.model.getValue('myList.length'), list.json.myList.length, user);
    const fresh = await same(models(remote, user), `myList[0..${list.json.myList.length - 1}].title`, 'myList.length');
    assert.deepEqual(fresh, list, user);
  }
  assert.deepEqual(await same(models(remote, 'u30'), 'myList[0..9].title', 'myList.length'), unchanged);
});

test('remove through Peregrine invalidates as falcor-node does, and a later get fetches again', async () => {
  const runs = [
    { user: 'u33', server: 'peregrine' },
    { user: 'u34', server: 'falcorNode' },
  ];
  for (const entry of runs) {
    const { model, requests } = models(remote, entry.user)[entry.server];
    const before = plain(await model.get('myList[0..9].title', 'myList.length'));
    const { length } = before.json.myList;
    assert.ok(length >= 2, `${entry.user} has ${length} items`);
    const [, removed] = target(model, ['myList', 0]);

    const answer = await model.call(['myList', 'remove'], [0], [], [['length']]);

    assert.deepEqual(plain(answer), { json: { myList: { length: length - 1 } } }, entry.server);
    assert.deepEqual(requests[1], {
      http: 'POST',
      method: 'call',
      callPath: ['myList', 'remove'],
      arguments: [0],
      pathSuffixes: [],
      paths: [['length']],
    });
    // The invalidated refs (from 0 to the old end) are gone from the
    // cache, their targets are not; the empty atoms past the end stay.
    const cache = model.getCache();
    const past = Array.from({ length: 10 - length }, (_, offset) => [length + offset, { $type: 'atom' }]);
    assert.deepEqual(cache.myList, { ...Object.fromEntries(past), length: length - 1 }, entry.server);
    assert.equal(cache.videos[removed].title, before.json.myList[0].title);

    const list = plain(await model.get('myList[0..9].title', 'myList.length'));
    assert.equal(requests.length, 3);
    assert.deepEqual(requests[2].paths, [['myList', { from: 0, to: length - 1 }, 'title']]);
    // Everything moved up by one.
    for (let index = 0; index < length - 1; index += 1) {
      assert.deepEqual(list.json.myList[index], before.json.myList[index + 1]);
    }
    assert.equal(list.json.myList.length, length - 1);
    entry.list = list;
  }
  for (const { user, list } of runs) {
    assert.deepEqual(await same(models(remote, user), 'myList[0..9].title', 'myList.length'), list, user);
  }
});

// The function's ref and the refs its read-back of `paths` met come in
// one answer: only the function's are read on with the pathSuffixes.
test(
  'push with pathSuffixes and paths through a ref: the same output through both',
  async () => {
    const runs = [
      { user: 'u35', server: 'falcorNode' },
      { user: 'u36', server: 'peregrine' },
    ];
    for (const { user, server } of runs) {
      const { model } = models(remote, user)[server];
      const length = await model.getValue('myList.length');
      const first = await model.getValue('myList[0].title');
      const title = await model.getValue('videos[7].title');

      const answer = await model.call(
        ['myList', 'push'],
        [falcor.Model.ref(['videos', 7])],
        [['title'], ['rating']],
        [['length'], [0, 'title']],
      );

      const { rating } = plain(answer).json.myList[length] ?? {};
      assert.equal(typeof rating, 'number', server);
      assert.deepEqual(
        plain(answer),
        { json: { myList: { 0: { title: first }, [length]: { title, rating }, length: length + 1 } } },
        server,
      );
    }
  },
);
