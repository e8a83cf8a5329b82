// Where the browser opens the dashboard. Normally the Switchboard server itself (it serves
// clients/web/dist at / next to gRPC-Web). If that server does not serve the page (an older
// build), this starts a same-origin stand-in on loopback that serves dist/ and forwards every
// gRPC-Web call unchanged to the real server, and says so loudly.
import { createServer, request } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".map": "application/json" };

/** What GET / over HTTP/1.1 (what a browser uses for http://) returns: "" when it is the app. */
export async function checkServedPage(serverUrl) {
  try {
    const res = await fetch(serverUrl + "/sessions/x", { signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    if (res.ok && body.includes('id="app"')) return "";
    return `GET ${serverUrl}/sessions/x over HTTP/1.1 answered ${res.status} instead of index.html`;
  } catch (e) {
    return `GET ${serverUrl}/ failed: ${e}`;
  }
}

export async function dashboardOrigin(serverUrl, distDir) {
  const problem = await checkServedPage(serverUrl);
  if (!problem) return { origin: serverUrl, standIn: false, close: async () => {} };
  console.warn(`# WARNING: ${problem}; the rest of the scenario uses a loopback stand-in that serves dist/ and forwards gRPC-Web unchanged to the server`);
  const upstream = new URL(serverUrl);
  const server = createServer(async (req, res) => {
    if (req.url.startsWith("/switchboard.v1.") || req.headers["content-type"]?.startsWith("application/grpc")) {
      const up = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (ur) => {
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
        },
      );
      up.on("error", () => res.destroy());
      res.on("close", () => up.destroy());
      req.pipe(up);
      return;
    }
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    let file = join(distDir, path);
    let data;
    try {
      data = await readFile(file);
    } catch {
      file = join(distDir, "index.html");
      data = await readFile(file);
    }
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    res.end(data);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    standIn: true,
    close: () => new Promise((r) => (server.closeAllConnections?.(), server.close(() => r()))),
  };
}
