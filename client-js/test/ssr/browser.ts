// The browser side of the server-rendering test: a model that starts from
// the cache the server sent, and the page hydrated over the server's HTML.
import { createElement as h } from "react";
import { hydrateRoot } from "react-dom/client";
import { HttpDataSource, Model } from "../../src/index.js";
import { App, headers } from "./app.js";

const page = window as any;
page.problems = [];
const model = new Model({ source: new HttpDataSource("/model.json", { headers }), cache: page.__GRAPH__ });
hydrateRoot(document.getElementById("app")!, h(App, { model }), { onRecoverableError: (e) => page.problems.push(String(e)) });
page.hydrated = true;
