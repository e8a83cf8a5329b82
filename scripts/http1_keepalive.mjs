// Browser-like HTTP/1.1 traffic against a running server: six keep-alive sockets, bursts of up
// to eight requests (gRPC-Web POSTs of DashboardService.ListSessions and GETs of the dashboard's
// page), gaps of 0-150 ms. Every request must be answered within 5 s; prints what was not.
// Used to look for lost HTTP/1.1 answers in the accept loop (BENCHMARKS.md §23):
//   N=60000 scripts/with-server.sh node scripts/http1_keepalive.mjs
import http from "node:http";
const url = new URL(process.env.SWITCHBOARD_URL);
const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
function req(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    r.setTimeout(5000, () => r.destroy(new Error(`timeout ${method} ${path}`)));
    r.on("error", reject);
    r.end(body);
  });
}
const frame = (msg) => { const b = Buffer.alloc(5 + msg.length); b.writeUInt32BE(msg.length, 1); msg.copy(b, 5); return b; };
// Login (email=1, password=2) as protobuf.
const pb = (fields) => Buffer.concat(fields.map(([n, s]) => { const v = Buffer.from(s); return Buffer.concat([Buffer.from([(n << 3) | 2, v.length]), v]); }));
const gw = { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", origin: url.origin };
const login = await req("POST", "/switchboard.v1.AuthService/Login", gw, frame(pb([[1, process.env.SWITCHBOARD_EMAIL], [2, process.env.SWITCHBOARD_PASSWORD]])));
// access_token is field 1 of tokens (field 1 of the response): find "ey" JWT text.
const token = /eyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(login.body.toString("latin1"))[0];
const auth = { ...gw, authorization: `Bearer ${token}` };
let ok = 0, bad = 0;
const errors = {};
const N = Number(process.env.N ?? 20000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function one(i) {
  try {
    const kind = i % 3;
    const res = kind === 2
      ? await req("GET", "/", { origin: url.origin })
      : await req("POST", "/switchboard.v1.DashboardService/ListSessions", auth, frame(Buffer.alloc(0)));
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    if (kind !== 2 && !res.body.toString("latin1").includes("grpc-status:0")) throw new Error(`grpc ${res.body.toString("latin1").slice(-60)}`);
    ok++;
  } catch (e) {
    bad++;
    errors[e.message] = (errors[e.message] ?? 0) + 1;
  }
}
let i = 0;
const t0 = Date.now();
while (i < N) {
  const burst = 1 + Math.floor(Math.random() * 8);
  await Promise.all(Array.from({ length: burst }, () => one(i++)));
  const r = Math.random();
  if (r < 0.3) await sleep(Math.random() * 3);
  else if (r < 0.33) await sleep(50 + Math.random() * 100);
}
console.log(JSON.stringify({ ok, bad, errors, secs: (Date.now() - t0) / 1000 }));
agent.destroy();
process.exitCode = bad === 0 ? 0 : 1;
