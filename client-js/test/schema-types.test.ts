import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module without type declarations.
import { outputPath, schemaPath, typesOf } from "../scripts/schema-types.mjs";

describe("the GraphQL types", () => {
  it("in src/catalog.ts are those of schema/catalog.graphql (npm run gen:types)", () => {
    const generated = typesOf(readFileSync(schemaPath, "utf8"));
    expect(readFileSync(outputPath, "utf8")).toBe(generated);
  });

  it("follow the schema: fields optional, nullability kept, arguments with defaults optional", () => {
    const types: string = typesOf(`
      type Query { video(id: Int!, lang: String = "en"): Video @graph(path: "videos[{id}]") }
      type Video { title: String @graph(path: "title") tags: [String!]! @graph(path: "tags") }
      directive @graph(path: String!) on FIELD_DEFINITION
    `);
    expect(types).toContain("  video?: Video | null;");
    expect(types).toContain("  tags?: Array<string>;");
    expect(types).toContain("export interface QueryVideoArgs {\n  id: number;\n  lang?: string;\n}");
  });
});
