// Where the browser opens the dashboard. Normally the Switchboard server itself (it serves
// clients/web/dist at / next to gRPC-Web). If that server does not serve the page (an older
// build), this starts a same-origin stand-in on loopback that serves dist/ and forwards every
// gRPC-Web call unchanged to the real server, and says so loudly.
import { createServer, request } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".map": "application/json" };

export async function dashboardOrigin(serverUrl, distDir) {
  try {
    const res = await fetch(serverUrl + "/", { signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    if (res.ok && body.includes('id="app"')) return { origin: serverUrl, close: async () => {} };
    console.warn(`# WARNING: ${serverUrl}/ answered ${res.status} instead of the dashboard; serving dist/ from a loopback stand-in that forwards gRPC-Web to the server`);
  } catch (e) {
    console.warn(`# WARNING: ${serverUrl}/ failed (${e}); using a loopback stand-in for the static files`);
  }
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
    close: () => new Promise((r) => (server.closeAllConnections?.(), server.close(() => r()))),
  };
}
