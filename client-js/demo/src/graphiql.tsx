// GraphiQL for Peregrine's /graphql, bundled here so that the page needs
// nothing from the network (the server redirects GET /graphql to it).
import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { createRoot } from "react-dom/client";

const fetcher = createGraphiQLFetcher({ url: "/graphql" });

const defaultQuery = `# The home screen: 10 rows of 10 videos (run it with Ctrl-Enter).
{
  genreLists(from: 0, to: 9) {
    name
    videos(from: 0, to: 9) { title boxshot rating }
  }
}
`;

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={defaultQuery}
      initialHeaders={JSON.stringify({ Authorization: "Bearer u17" }, null, 2)}
      isHeadersEditorEnabled
    />,
  );
}
