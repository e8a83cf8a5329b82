import { render } from "preact";
import { App } from "./app";
import "./styles.css";
import "./projects.css";

render(<App />, document.getElementById("app")!);
