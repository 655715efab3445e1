// Peregrine's /graphql behind a normalized cache, as the UI teams run it:
// Apollo Client's InMemoryCache keys objects by `__typename` and `id`, so
// a video shown in two rows is one object, and a mutation's answer
// updates every row that shows it, with no query sent again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { startDemo } from "./servers.js";
import type { Running } from "./servers.js";

let server: Running;

beforeAll(async () => {
  server = await startDemo();
});

afterAll(async () => {
  await server?.stop();
});

/** The home screen: every row, its first ten videos. */
const HOME = gql`
  query Home {
    genreLists(to: 39) {
      id
      name
      videos(to: 9) {
        id
        title
        rating
      }
    }
  }
`;

const RATE = gql`
  mutation Rate($id: Int!, $rating: Float!) {
    rateVideo(id: $id, rating: $rating) {
      id
      rating
    }
  }
`;

interface Video {
  id: number;
  title: string;
  rating: number | null;
}
interface Home {
  genreLists: Array<{ id: string; name: string; videos: Video[] }>;
}

/** An Apollo client for `user` whose requests to /graphql are recorded (their operation names). */
function apollo(user: string) {
  const sent: string[] = [];
  const recording: typeof fetch = async (input, init) => {
    sent.push(JSON.parse(String(init?.body)).operationName);
    return fetch(input, init);
  };
  const link = new HttpLink({
    uri: server.url.replace(/\/model\.json$/, "/graphql"),
    headers: { Authorization: `Bearer ${user}` },
    fetch: recording,
  });
  return { client: new ApolloClient({ link, cache: new InMemoryCache() }), sent };
}

/** The id of a video that two rows of `home` show, and the indexes of those rows. */
function sharedVideo(home: Home): { id: number; rows: number[] } {
  const rowsOf = new Map<number, number[]>();
  home.genreLists.forEach((row, index) => {
    for (const video of row.videos) rowsOf.set(video.id, [...(rowsOf.get(video.id) ?? []), index]);
  });
  const shared = [...rowsOf].find(([, rows]) => rows.length > 1);
  if (!shared) throw new Error("no video is shown in two rows of the home screen");
  return { id: shared[0], rows: shared[1] };
}

const ratingIn = (home: Home, row: number, id: number) =>
  home.genreLists[row].videos.find((video) => video.id === id)?.rating;

describe("Apollo Client's normalized cache over /graphql", () => {
  it("keys rows and videos by id: a video in two rows is one object in the cache", async () => {
    const { client } = apollo("u17");
    const { data } = await client.query<Home>({ query: HOME });
    const home = data as Home;
    const { id } = sharedVideo(home);
    const cached = client.cache.extract() as Record<string, unknown>;
    expect(cached[`Video:${id}`]).toMatchObject({ __typename: "Video", id });
    expect(cached[`List:${home.genreLists[0].id}`]).toMatchObject({ name: home.genreLists[0].name });
  });

  it("after rateVideo, both rows showing the video read the new rating without the home query sent again", async () => {
    const { client, sent } = apollo("u17");
    const watched = client.watchQuery<Home>({ query: HOME });
    const updates: Home[] = [];
    const subscription = watched.subscribe(({ data, dataState }) => {
      if (dataState === "complete") updates.push(data as Home);
    });
    await expect.poll(() => updates.length, { timeout: 10000 }).toBe(1);
    const { id, rows } = sharedVideo(updates[0]);
    const rating = ratingIn(updates[0], rows[0], id) === 5 ? 1 : 5;

    const { data } = await client.mutate({ mutation: RATE, variables: { id, rating } });
    expect(data).toEqual({ rateVideo: { __typename: "Video", id, rating } });

    await expect.poll(() => updates.length, { timeout: 10000 }).toBe(2);
    const updated = updates[1];
    for (const row of rows) expect(ratingIn(updated, row, id)).toBe(rating);
    const again = client.readQuery<Home>({ query: HOME }) as Home;
    for (const row of rows) expect(ratingIn(again, row, id)).toBe(rating);
    expect(sent).toEqual(["Home", "Rate"]);
    subscription.unsubscribe();
  });
});
