import { render } from "preact";
import { App } from "./app";
import { registerServiceWorker } from "./push";
import "./styles.css";
import "./projects.css";

render(<App />, document.getElementById("app")!);

// The service worker shows web pushes (and makes the dashboard installable).
registerServiceWorker();
