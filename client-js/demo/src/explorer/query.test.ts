import { describe, expect, it } from "vitest";
import { TOKEN, USERS, bearerFor, describeAuthorization, headersFor } from "./query.js";

describe("headersFor", () => {
  it("asks for the trace, as anonymous without Authorization", () => {
    expect(headersFor("anonymous")).toEqual({ "Peregrine-Trace": "1" });
    expect(headersFor("anonymous", "ignored")).toEqual({ "Peregrine-Trace": "1" });
  });

  it("sends a development user as its own bearer token", () => {
    expect(headersFor("u3")).toEqual({ "Peregrine-Trace": "1", Authorization: "Bearer u3" });
    expect(headersFor("u10", "ignored")).toEqual({ "Peregrine-Trace": "1", Authorization: "Bearer u10" });
  });

  it("sends a pasted token, trimmed, for the token choice", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1NCJ9.c2lnbmF0dXJl";
    expect(headersFor(TOKEN, jwt)).toEqual({ "Peregrine-Trace": "1", Authorization: `Bearer ${jwt}` });
    expect(headersFor(TOKEN, `  ${jwt}\n`)).toEqual({ "Peregrine-Trace": "1", Authorization: `Bearer ${jwt}` });
    expect(headersFor(TOKEN, "u4")).toEqual({ "Peregrine-Trace": "1", Authorization: "Bearer u4" });
  });

  it("sends no Authorization while the pasted token is empty or blank", () => {
    expect(headersFor(TOKEN)).toEqual({ "Peregrine-Trace": "1" });
    expect(headersFor(TOKEN, "")).toEqual({ "Peregrine-Trace": "1" });
    expect(headersFor(TOKEN, " \n")).toEqual({ "Peregrine-Trace": "1" });
  });
});

describe("bearerFor", () => {
  it("is the user, the pasted token, or none", () => {
    expect(bearerFor("u1")).toBe("u1");
    expect(bearerFor(TOKEN, " abc ")).toBe("abc");
    expect(bearerFor(TOKEN, "")).toBeUndefined();
    expect(bearerFor("anonymous")).toBeUndefined();
  });
});

describe("describeAuthorization", () => {
  it("says what a run sends, never the pasted token", () => {
    expect(describeAuthorization("anonymous")).toBe("no Authorization header");
    expect(describeAuthorization("u7")).toBe("Authorization: Bearer u7");
    expect(describeAuthorization(TOKEN, "")).toBe("no Authorization header");
    expect(describeAuthorization(TOKEN, "secret.jwt.value")).toBe("Authorization: Bearer <the token>");
    expect(describeAuthorization(TOKEN, "secret.jwt.value")).not.toContain("secret");
  });
});

describe("USERS", () => {
  it("is u17 (the explorer opens as it), anonymous and u1..u10; the token choice is apart from them", () => {
    expect(USERS).toEqual(["u17", "anonymous", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10"]);
    expect(USERS).not.toContain(TOKEN);
  });
});
