// get and getValue: what the falcor Model returns from a Peregrine server,
// and which requests it needed for that.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { connect, outcome, plain, serverForTheseTests } from './server.js';

const server = serverForTheseTests();

test('refs two levels deep are followed by the server in one request, then served from cache', async () => {
  const { model, requests } = connect(server.url);

  const answer = await model.get('genreLists[0..1][0..1].title', 'genreLists[0..1].name');

  assert.deepEqual(plain(answer), {
    json: {
      genreLists: {
        0: { name: 'Comedies', 0: { title: 'Clue' }, 1: { title: 'Ed Wood' } },
        1: { name: 'Dramas', 0: { title: 'Arrival' }, 1: { title: 'Dune' } },
      },
    },
  });
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

  // Everything, refs included, was cached: asking again sends nothing.
  const again = await model.get('genreLists[1][0..1].title');
  assert.deepEqual(plain(again), { json: { genreLists: { 1: { 0: { title: 'Arrival' }, 1: { title: 'Dune' } } } } });
  assert.equal(requests.length, 1);
});

test('a path past a cached ref is sent optimized, from the ref target', async () => {
  const { model, requests } = connect(server.url);
  await model.get('genreLists[0].name');

  const answer = await model.get('genreLists[0][2]["title","year"]');

  assert.deepEqual(plain(answer), { json: { genreLists: { 0: { 2: { title: 'Brazil', year: 1985 } } } } });
  assert.equal(requests.length, 2);
  assert.deepEqual(requests[1].paths, [['lists', 'comedies', 2, ['title', 'year']]]);
});

test('ranges and lengths: a whole list in one request', async () => {
  const { model, requests } = connect(server.url);

  const answer = await model.get('lists.comedies[0..2]["title","year"]', 'lists.comedies.length');

  assert.deepEqual(plain(answer), {
    json: {
      lists: {
        comedies: {
          0: { title: 'Clue', year: 1985 },
          1: { title: 'Ed Wood', year: 1994 },
          2: { title: 'Brazil', year: 1985 },
          length: 3,
        },
      },
    },
  });
  assert.deepEqual(requests, [
    {
      http: 'GET',
      method: 'get',
      paths: [
        ['lists', 'comedies', 'length'],
        ['lists', 'comedies', { from: 0, to: 2 }, ['title', 'year']],
      ],
    },
  ]);
});

test('missing paths give no value and are not asked again', async () => {
  const { model, requests } = connect(server.url);

  const answer = await model.get(
    'videos[99].title', // no such video
    'lists.dramas[2].title', // past the end of a list
    'genreLists[5].name', // past the end, before a ref
    'nowhere.at.all', // no route at all
    'videos[1].title',
  );

  // Empty atoms: branches with no values, no error, no retry round.
  assert.deepEqual(plain(answer), {
    json: {
      videos: { 1: { title: 'Arrival' }, 99: {} },
      lists: { dramas: { 2: {} } },
      genreLists: { 5: {} },
      nowhere: { at: {} },
    },
  });
  assert.equal(requests.length, 1, 'one request: the empty atoms satisfied the model');

  assert.equal(await model.getValue('videos[99].title'), undefined);
  assert.equal(await model.getValue('lists.dramas[2].title'), undefined);
  assert.equal(requests.length, 1, 'the empty atoms were cached');
});

test('a failing handler: its paths report the error, the other values arrive', async () => {
  const { model, requests } = connect(server.url);

  // The ratings handler is called once for ids 1..3 and fails (video 3).
  const { values, error } = await outcome(model.get('videos[1..3]["title","rating"]'));

  assert.deepEqual(values, [
    { json: { videos: { 1: { title: 'Arrival' }, 2: { title: 'Brazil' }, 3: { title: 'Clue' } } } },
  ]);
  const failed = { message: 'ratings service unavailable' };
  assert.deepEqual(error, [
    { path: ['videos', 1, 'rating'], value: failed },
    { path: ['videos', 2, 'rating'], value: failed },
    { path: ['videos', 3, 'rating'], value: failed },
  ]);
  await assert.rejects(model.get('videos[1].rating').then(), (rejection) => {
    assert.deepEqual(rejection, [{ path: ['videos', 1, 'rating'], value: failed }]);
    return true;
  });

  // The errors are cached values: inline with treatErrorsAsValues, no new request.
  const inline = await model.treatErrorsAsValues().get('videos[2..3].rating');
  assert.deepEqual(plain(inline), { json: { videos: { 2: { rating: failed }, 3: { rating: failed } } } });
  assert.equal(requests.length, 1);

  // Without video 3 the handler succeeds.
  const other = connect(server.url);
  const ratings = await other.model.get('videos[1..2].rating', 'videos[4].rating');
  assert.deepEqual(plain(ratings), { json: { videos: { 1: { rating: 4 }, 2: { rating: 5 }, 4: { rating: 4 } } } });
});

test('getValue reads one value through refs', async () => {
  const { model, requests } = connect(server.url);

  assert.equal(await model.getValue('genreLists[1][0].title'), 'Arrival');
  assert.equal(await model.getValue(['genreLists', 'length']), 2);
  assert.equal(await model.getValue('genreLists[1][1].year'), 2021);
  assert.deepEqual(
    requests.map((request) => request.paths),
    [[['genreLists', 1, 0, 'title']], [['genreLists', 'length']], [['lists', 'dramas', 1, 'year']]],
    'the third is sent from the cached ref genreLists[1] → lists.dramas',
  );
  await assert.rejects(model.getValue('genreLists[0..1].name').then(), /Paths must be simple paths/);
});
