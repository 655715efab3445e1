// Peregrine in front of falcor-node (examples/falcor-router: the videos'
// fields but `rating` served here, the rest through the fallback) answers
// gets as falcor-node alone does: the same Model output, the same
// envelopes, the same requests from the Model.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { plain } from './server.js';
import { envelope, models, remoteForTheseTests, same } from './remote.js';

const remote = remoteForTheseTests();

const home = ['genreLists[0..9].name', 'genreLists[0..9][0..9]["title","boxshot","rating"]'];
const detailFields = ['title', 'synopsis', 'year', 'runtime', 'maturity', 'rating'];

/** The id of the video at genreLists[row][item], by the refs cached in `model`. */
function videoAt(model, row, item) {
  const cache = model.getCache();
  const [, list] = cache.genreLists[row].value;
  return cache.lists[list][item].value[1];
}

for (const user of ['u1', 'u17', 'u500']) {
  test(`${user}: home, detail and a mixed sequence answer the same through Peregrine and falcor-node`, async () => {
    const pair = models(remote, user);

    const answer = await same(pair, ...home);
    // Something real was compared: ten named rows of ten rated videos.
    const rows = answer.json.genreLists;
    for (let row = 0; row < 10; row += 1) {
      assert.equal(typeof rows[row].name, 'string');
      for (let item = 0; item < 10; item += 1) {
        const video = rows[row][item];
        assert.deepEqual(Object.keys(video).sort(), ['boxshot', 'rating', 'title'], `row ${row} item ${item}`);
        assert.equal(typeof video.rating, 'number');
      }
    }

    const id = videoAt(pair.peregrine.model, 3, 4);
    const detail = await same(pair, ['videos', id, detailFields]);
    assert.deepEqual(Object.keys(detail.json.videos[id]).sort(), [...detailFields].sort());

    // A session: more rows, my list, a list by id, lengths, a second
    // detail; partly from each Model's cache.
    const [, list] = pair.peregrine.model.getCache().genreLists[5].value;
    await same(pair, 'genreLists.length', 'genreLists[10..12][0..2]["title","rating"]');
    await same(pair, 'myList[0..3]["title","year","rating"]', 'myList.length');
    await same(pair, `lists["${list}"]["name","length"]`, `lists["${list}"][8..11].title`);
    await same(pair, 'genreLists[0..1][0..1]["title","rating","maturity"]', 'myList[0].synopsis');
    await same(pair, ['videos', videoAt(pair.peregrine.model, 11, 2), detailFields]);
    const title = 'genreLists[12][1].title';
    assert.equal(await pair.peregrine.model.getValue(title), await pair.falcorNode.model.getValue(title));

    // The Models asked the same of both servers, and both answered it all.
    assert.deepEqual(pair.peregrine.requests, pair.falcorNode.requests);
    assert.deepEqual(pair.peregrine.model.getCache(), pair.falcorNode.model.getCache());

    // The envelopes themselves, sent by hand.
    const paths = [
      ['genreLists', { from: 0, to: 9 }, 'name'],
      ['genreLists', { from: 0, to: 9 }, { from: 0, to: 9 }, ['title', 'boxshot', 'rating']],
      ['videos', id, detailFields],
      ['myList', [{ from: 0, to: 2 }, 'length']],
    ];
    assert.deepEqual(
      await envelope(remote.peregrine.url, user, paths),
      await envelope(remote.falcorNode.url, user, paths),
    );
  });
}

test('each user gets their own rows and ratings through Peregrine', async () => {
  const homes = await Promise.all(['u1', 'u17'].map((user) => models(remote, user).peregrine.model.get(...home)));
  assert.notDeepEqual(plain(homes[0]), plain(homes[1]));
  // One video, rated by two users: each their own rating, as falcor-node has it.
  const ratings = {};
  for (const user of ['u1', 'u500']) {
    const pair = models(remote, user);
    ratings[user] = await pair.peregrine.model.getValue('videos[929].rating');
    assert.equal(typeof ratings[user], 'number', user);
    assert.equal(ratings[user], await pair.falcorNode.model.getValue('videos[929].rating'), user);
  }
  assert.notEqual(ratings.u1, ratings.u500);
});

test('refs two levels deep are followed in one request, then served from cache', async () => {
  const pair = models(remote, 'u2');

  const answer = await same(pair, 'genreLists[0..1][0..1].title', 'genreLists[0..1].name');

  assert.deepEqual(Object.keys(answer.json.genreLists), ['0', '1']);
  assert.equal(typeof answer.json.genreLists[1][1].title, 'string');
  for (const { requests } of [pair.peregrine, pair.falcorNode]) {
    assert.deepEqual(requests, [
      {
        http: 'GET',
        method: 'get',
        paths: [
          ['genreLists', { from: 0, to: 1 }, 'name'],
          ['genreLists', { from: 0, to: 1 }, { from: 0, to: 1 }, 'title'],
        ],
      },
    ]);
  }

  // Everything, refs included, was cached: asking again sends nothing.
  const again = await pair.peregrine.model.get('genreLists[1][0..1].title');
  const { 0: first, 1: second } = answer.json.genreLists[1];
  assert.deepEqual(plain(again), { json: { genreLists: { 1: { 0: first, 1: second } } } });
  assert.equal(pair.peregrine.requests.length, 1);
});

test('a path past a cached ref is sent optimized, from the ref target', async () => {
  const pair = models(remote, 'u3');
  await same(pair, 'genreLists[0].name');
  const list = pair.peregrine.model.getCache().genreLists[0].value;

  await same(pair, 'genreLists[0][2]["title","year","rating"]');

  for (const { requests } of [pair.peregrine, pair.falcorNode]) {
    assert.equal(requests.length, 2);
    assert.deepEqual(requests[1].paths, [[...list, 2, ['title', 'year', 'rating']]]);
  }
  // Past two cached refs: straight to the video.
  const id = videoAt(pair.peregrine.model, 0, 2);
  await same(pair, 'genreLists[0][2]["synopsis","maturity"]');
  assert.deepEqual(pair.peregrine.requests[2].paths, [['videos', id, ['synopsis', 'maturity']]]);
  assert.deepEqual(pair.peregrine.requests, pair.falcorNode.requests);
});

test('ranges and lengths: a whole list in one request', async () => {
  const pair = models(remote, 'u4');
  await same(pair, 'genreLists[2].name');
  const [, list] = pair.peregrine.model.getCache().genreLists[2].value;

  const answer = await same(pair, `lists["${list}"][0..24]["title","year","rating"]`, `lists["${list}"].length`);

  const items = answer.json.lists[list];
  assert.ok(items.length >= 25, `list ${list} has ${items.length} items`);
  for (let index = 0; index < 25; index += 1) {
    assert.deepEqual(Object.keys(items[index]).sort(), ['rating', 'title', 'year']);
  }
  assert.deepEqual(pair.peregrine.requests[1], {
    http: 'GET',
    method: 'get',
    paths: [
      ['lists', list, 'length'],
      ['lists', list, { from: 0, to: 24 }, ['title', 'year', 'rating']],
    ],
  });
  assert.deepEqual(pair.peregrine.requests, pair.falcorNode.requests);
});

test('missing paths give no value, the same through both, and are not asked again', async () => {
  const pair = models(remote, 'u5');
  const { length } = (await same(pair, 'genreLists.length', 'genreLists[0].name')).json.genreLists;
  const [, list] = pair.peregrine.model.getCache().genreLists[0].value;
  const missing = [
    ['videos', 99999999, ['title', 'rating']], // no such video
    ['lists', list, 5000, 'title'], // past the end of a list
    ['genreLists', length, 'name'], // past the end, before a ref
    ['lists', 'no-such-list', 'name'], // no such list
    ['nowhere', 'at', 'all'], // no route, here or there
  ];

  const answer = await same(pair, ...missing, ['videos', 929, 'title']);

  assert.equal(typeof answer.json.videos[929].title, 'string');
  for (const { model, requests } of [pair.peregrine, pair.falcorNode]) {
    assert.equal(requests.length, 2, 'one request: the empty atoms satisfied the model');
    assert.equal(await model.getValue(['videos', 99999999, 'title']), undefined);
    assert.equal(await model.getValue(['lists', list, 5000, 'title']), undefined);
    assert.equal(await model.getValue(['genreLists', length, 'name']), undefined);
    assert.equal(requests.length, 2, 'the empty atoms were cached');
  }
  // On the wire: the same empty atoms, where each path stops.
  const [fromPeregrine, fromFalcorNode] = await Promise.all(
    [remote.peregrine.url, remote.falcorNode.url].map((url) => envelope(url, 'u5', missing)),
  );
  assert.deepEqual(fromPeregrine, fromFalcorNode);
  const atom = { $type: 'atom' };
  assert.deepEqual(fromPeregrine.jsonGraph, {
    videos: { 99999999: { title: atom, rating: atom } },
    lists: { [list]: { 5000: atom }, 'no-such-list': { name: atom } },
    genreLists: { [length]: atom },
    nowhere: { at: { all: atom } },
  });
});

test('getValue reads one value through refs, the same through both', async () => {
  const pair = models(remote, 'u6');

  for (const path of ['genreLists[1][0].title', 'genreLists.length', 'genreLists[1][1].rating', 'myList[0].year']) {
    const value = await pair.peregrine.model.getValue(path);
    assert.notEqual(value, undefined, path);
    assert.equal(value, await pair.falcorNode.model.getValue(path), path);
  }
  const list = pair.peregrine.model.getCache().genreLists[1].value;
  assert.deepEqual(
    pair.peregrine.requests.map((request) => request.paths),
    [[['genreLists', 1, 0, 'title']], [['genreLists', 'length']], [[...list, 1, 'rating']], [['myList', 0, 'year']]],
    'the third is sent from the cached ref genreLists[1]',
  );
  assert.deepEqual(pair.peregrine.requests, pair.falcorNode.requests);
});

test('a get whose fallback request passes 8 KiB of URL reaches falcor-node (as a POST) all the same', async () => {
  const pair = models(remote, 'u7');
  // Odd ids: no range shortens them. Peregrine asks its fallback with a
  // GET up to 8 KiB of path and query, with a form POST past that; Node
  // refuses request heads over 16 KiB, which the Models' own GETs stay under.
  const ids = Array.from({ length: 1600 }, (_, index) => 2 * index + 1);
  const query = new URLSearchParams({ method: 'get', paths: JSON.stringify([['videos', ids, 'rating']]) });
  const bytes = query.toString().length;
  assert.ok(bytes > 8 * 1024 && bytes < 15 * 1024, `${bytes} bytes`);

  const answer = await same(pair, ['videos', ids, 'rating']);

  assert.equal(Object.keys(answer.json.videos).length, ids.length);
  assert.ok(ids.every((id) => typeof answer.json.videos[id].rating === 'number'));
});

test('without a user: the fallback paths fail as falcor-node fails them, the catalog answers', async () => {
  const paths = [
    ['genreLists', 0, 'name'],
    ['videos', 929, ['title', 'rating']],
  ];
  const [fromPeregrine, fromFalcorNode] = await Promise.all(
    [remote.peregrine.url, remote.falcorNode.url].map((url) => envelope(url, undefined, paths)),
  );
  assert.deepEqual(fromPeregrine, fromFalcorNode);
  assert.equal(fromPeregrine.jsonGraph.genreLists[0].$type, 'error');
  assert.equal(fromPeregrine.jsonGraph.videos[929].rating.$type, 'error');
  assert.equal(typeof fromPeregrine.jsonGraph.videos[929].title, 'string');
});
