// Side-by-side benchmark (issue 17): the reference automerge-repo sync server and Tachkhis, one
// after the other in one run, on the same workload built by the reference JS Automerge
// (workload.mjs: tablets × 6 sessions × 40 proposals). Per phase and server: server CPU
// seconds (utime + stime of its process), its peak and final RSS, and the wall time until
// every tablet had its answer.
//
// Usage: node bench.mjs --tachkhis <path to the release `tachkhis` binary>
// Environment: TACHKHIS_REF_TABLETS (comma-separated, default "50,200"),
// TACHKHIS_REF_SERVERS (default "reference,tachkhis"), TACHKHIS_REF_CONCURRENCY (tablets
// syncing at once, for both servers, default 16), TACHKHIS_REF_KEEPALIVE_MS (the reference
// server's websocket keep-alive, default 60000; see ref-server.mjs).
// `cargo bench -p tachkhis-server --bench reference` installs the packages and passes the binary.
//
// Phases, for each server (tablets TACHKHIS_REF_CONCURRENCY at once):
// 1. upload: every tablet connects and sends its 6 sessions;
// 2. no-op resync: every tablet reconnects and resyncs its 6 sessions with nothing new, from
//    the sync state it persisted (Automerge's encoded sync state: the shared heads);
// 3. small edit: every tablet adds one proposal to one session and syncs it.
// What each side keeps: a Tachkhis tablet keeps each document and its encoded sync state; the
// server keeps the documents as chunks and each (user, peer, document) sync state in SQLite, and
// loads both at each request. A reference tablet is a Repo with its own nodefs storage (documents
// and the server's sync states); the reference server keeps every document it has seen in
// memory, and each peer's full sync state in memory (persisted too, used after a restart).
// A phase ends when every tablet has the server's acknowledgement:
// - Tachkhis: the sync loop ends with the heads the server last announced equal to the
//   tablet's, or (no-op) with a 204 to the tablet's heads ("in sync": the server would have
//   asked for a change it lacked);
// - reference, upload and edit: each tablet's handle has the server's announced heads
//   (handle.getRemoteHeads for the server's storage id) equal to its own;
// - reference, no-op: the server answers nothing (its in-memory sync state already says the
//   tablet is up to date), so the server process reports when it has applied one sync message
//   from every tablet for every document (its "receive-sync-message" metrics).
// Then the server's CPU is read once it has settled (debounced saves included), and what it
// holds is checked (outside the measurement): Tachkhis through GET /api/sessions (proposal
// counts) and, at the end, a fresh peer pulling every edited session (heads); the reference
// server reports the heads of every document, and at the end a reference server started again
// on the same storage loads every document with the expected heads. Any failed check fails the
// run.

import { fork, spawn, execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Repo, encodeHeads, interpretAsDocumentId } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { Automerge, buildWorkload, PROPOSALS, SESSIONS } from "./workload.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
const PHASE_TIMEOUT_MS = 15 * 60_000;
const MAX_ROUNDS = 20;
// The reference server's websocket keep-alive (see ref-server.mjs; the adapter's default is 5 s).
const KEEPALIVE_MS = Number(process.env.TACHKHIS_REF_KEEPALIVE_MS ?? 60_000);
const GOALS = {
  upload: { cpu: 0.2, rss: 0.33 },
  noop: { cpu: 1 },
  edit: { cpu: 1 },
};
const PHASES = [
  ["upload", "upload (6 sessions each)"],
  ["noop", "no-op resync (reconnect)"],
  ["edit", "one small edit per tablet"],
];

// ---------------------------------------------------------------- process figures

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after "pid (comm) ": index 11 is utime, 12 stime (fields 14 and 15), all threads.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

function memMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+)`, "m"))?.[1] ?? NaN);
  return { hwm: kb("VmHWM") / 1024, rss: kb("VmRSS") / 1024 };
}

// Resets VmHWM so that it is the peak of this phase alone.
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

// What to undo if the run is interrupted: child processes to kill, temp dirs to remove.
const onExit = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const f of [...onExit].reverse()) {
      try {
        f();
      } catch {}
    }
    process.exit(130);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Waits until the server process stops using CPU (two quiet 250 ms samples in a row), so
// that work it defers (debounced saves, answers still in flight) counts in the phase.
async function settle(pid, maxMs = 30_000) {
  const start = Date.now();
  let last = cpuSeconds(pid);
  let quiet = 0;
  while (quiet < 2 && Date.now() - start < maxMs) {
    await sleep(250);
    const now = cpuSeconds(pid);
    quiet = now - last <= 1.5 / CLK_TCK ? quiet + 1 : 0;
    last = now;
  }
}

const progress = (what) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${what}\n`);

// Awaits every promise, saying every 15 s how many have settled (a long phase shows it moves).
async function tracked(what, promises, pid) {
  let done = 0;
  const t0 = Date.now();
  const timer = setInterval(() => {
    progress(`${what}: ${done}/${promises.length} tablets done after ${Math.round((Date.now() - t0) / 1000)} s, server CPU ${cpuSeconds(pid).toFixed(1)} s`);
  }, 15_000);
  try {
    return await Promise.all(promises.map((p) => p.then((v) => { done += 1; return v; })));
  } finally {
    clearInterval(timer);
  }
}

// Runs `f` for every tablet, `limit` at once, with the progress lines of `tracked`.
function trackedPool(what, tablets, limit, f, pid) {
  const each = [];
  const perTablet = tablets.map((_, i) => new Promise((resolve) => (each[i] = resolve)));
  const work = pool(tablets, limit, async (t, i) => {
    each[i](await f(t));
  });
  return Promise.all([work, tracked(what, perTablet, pid)]);
}

async function measure(pid, run, before = async () => {}) {
  await settle(pid);
  await before();
  const peakReset = resetPeak(pid);
  const startMb = memMb(pid).rss;
  const cpu0 = cpuSeconds(pid);
  const harness0 = process.cpuUsage();
  const t0 = performance.now();
  const info = await run();
  const wall = (performance.now() - t0) / 1000;
  await settle(pid);
  const cpu = cpuSeconds(pid) - cpu0;
  const harness = process.cpuUsage(harness0);
  const mem = memMb(pid);
  return {
    wall,
    cpu,
    startMb,
    peakMb: mem.hwm,
    rssMb: mem.rss,
    peakReset,
    harnessCpu: (harness.user + harness.system) / 1e6,
    info,
  };
}

// Runs `f` over `items`, `limit` at once.
async function pool(items, limit, f) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await f(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms / 1000} s`)), ms);
    }),
  ]);
}

// ---------------------------------------------------------------- the reference server

async function startReference(storageDir) {
  const child = fork(join(HERE, "ref-server.mjs"), [storageDir, String(KEEPALIVE_MS)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const [ready] = await withTimeout(once(child, "message"), 60_000, "reference server start");
  if (ready?.type !== "ready") throw new Error(`reference server: ${JSON.stringify(ready)}`);
  let seq = 0;
  const waiting = new Map();
  child.on("message", (m) => {
    if (["checked", "watching", "received"].includes(m?.type)) {
      waiting.get(`${m.type} ${m.id}`)?.(m);
      waiting.delete(`${m.type} ${m.id}`);
    }
  });
  const ask = (message, answer) => {
    const id = ++seq;
    const p = new Promise((resolve) => waiting.set(`${answer} ${id}`, resolve));
    child.send({ ...message, id });
    return { id, p };
  };
  const exited = once(child, "exit");
  const kill = () => child.kill("SIGKILL");
  onExit.add(kill);
  exited.then(() => onExit.delete(kill));
  return {
    pid: child.pid,
    port: ready.port,
    peerId: ready.peerId,
    check(expect, load = false) {
      return withTimeout(ask({ type: "check", expect, load }, "checked").p, 10 * 60_000, "reference server check");
    },
    // Resolves once the server is watching for these pairs, to `{ done }`, a promise of the end
    // (wrapped: an async function returning a bare promise would wait for it).
    async watch(pairs) {
      const id = ++seq;
      const received = new Promise((resolve) => waiting.set(`received ${id}`, resolve));
      const watching = new Promise((resolve) => waiting.set(`watching ${id}`, resolve));
      child.send({ type: "watch", id, pairs });
      await watching;
      return { done: received };
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const sameHeads = (a, b) => {
  if (!a || !b || a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((h, i) => h === y[i]);
};

// Resolves once the server (peer `serverPeer`, whose storage id it told us) has announced exactly `hexHeads` for this
// handle: automerge-repo records the heads of each sync message a peer sends
// (handle.getRemoteHeads), so this is the server's own acknowledgement.
function untilServerHas(repo, handle, serverPeer, hexHeads) {
  const want = encodeHeads(hexHeads);
  return new Promise((resolve) => {
    const ok = () => {
      const sid = repo.getStorageIdOfPeer(serverPeer);
      return sid !== undefined && sameHeads(handle.getRemoteHeads(sid), want);
    };
    if (ok()) return resolve();
    const on = () => {
      if (ok()) {
        handle.off("remote-heads", on);
        resolve();
      }
    };
    handle.on("remote-heads", on);
  });
}

class RefTablet {
  constructor(tablet, root, docIdOf) {
    this.t = tablet;
    this.dir = join(root, `tablet-${tablet.index}`);
    this.peerId = `tablet-${tablet.index}`;
    this.docIdOf = docIdOf;
    this.repo = null;
    this.handles = [];
  }

  connect(port) {
    this.repo = new Repo({
      peerId: this.peerId,
      storage: new NodeFSStorageAdapter(this.dir),
      network: [new WebSocketClientAdapter(`ws://127.0.0.1:${port}`)],
    });
  }

  async upload(port, sid) {
    this.connect(port);
    this.handles = this.t.sessions.map((s) => {
      const h = this.repo.import(s.binary, { docId: this.docIdOf(s.id) });
      return h;
    });
    await Promise.all(this.handles.map((h, i) => untilServerHas(this.repo, h, sid, this.t.sessions[i].heads)));
  }

  async disconnect() {
    await this.repo.shutdown();
    this.repo = null;
    this.handles = [];
  }

  // A tablet started again: a new Repo on its own storage (documents and the sync states it
  // persisted), finding its sessions and syncing them with nothing new. The server's silence
  // is its answer (see runReference); counted here, the messages it did send.
  async resync(port) {
    this.connect(port);
    this.answers = 0;
    this.repo.networkSubsystem.on("message", (m) => {
      if (m.type === "sync") this.answers += 1;
    });
    this.handles = await Promise.all(this.t.sessions.map((s) => this.repo.find(this.docIdOf(s.id))));
  }

  async edit(sid) {
    const h = this.handles[0];
    h.update((doc) => Automerge.loadIncremental(doc, this.t.edit.change));
    const heads = [...Automerge.getHeads(h.doc())].sort();
    if (!sameHeads(heads, this.t.edit.heads)) {
      throw new Error(`tablet ${this.t.index}: the edit gave heads ${heads}, not ${this.t.edit.heads}`);
    }
    await untilServerHas(this.repo, h, sid, this.t.edit.heads);
  }
}

async function runReference(workload, root, concurrency) {
  const storage = join(root, "reference-server");
  const server = await startReference(storage);
  const docIdOf = uuidToDocumentId;
  const tablets = workload.map((t) => new RefTablet(t, join(root, "reference-tablets"), docIdOf));
  const expect = (edited) =>
    Object.fromEntries(
      workload.flatMap((t) =>
        t.sessions.map((s, i) => [docIdOf(s.id), edited && i === 0 ? t.edit.heads : s.heads]),
      ),
    );
  const results = {};
  const checks = { rss: `${f1(memMb(server.pid).rss)} MB once listening` };
  let dropped = 0;
  const verify = async (phase, edited) => {
    const r = await server.check(expect(edited));
    checks[phase] =
      `${r.held}/${workload.length * SESSIONS} documents with the expected heads, ` +
      `${r.disconnects - dropped} tablets dropped during the phase`;
    dropped = r.disconnects;
    if (!r.ok) throw new Error(`reference server after ${phase}: ${JSON.stringify(r)}`);
  };
  try {
    results.upload = await measure(server.pid, () =>
      withTimeout(
        trackedPool("reference upload", tablets, concurrency, (t) => t.upload(server.port, server.peerId), server.pid),
        PHASE_TIMEOUT_MS,
        "reference upload",
      ),
    );
    progress("reference: upload done");
    await verify("upload", false);
    // The tablets go away (their repos flushed and disconnected) before the clock starts.
    progress(`reference: upload checked (${checks.upload})`);
    await Promise.all(tablets.map((t) => t.disconnect()));
    // ... and the server has seen them go.
    for (let r = await server.check({}); r.disconnects < dropped + tablets.length; r = await server.check({})) {
      await sleep(100);
    }
    dropped += tablets.length;
    progress("reference: tablets disconnected");
    // The end of a no-op resync: the server has applied one message of each tablet for each of
    // its documents (it answers none: its sync state already says the tablet is up to date).
    let received;
    results.noop = await measure(
      server.pid,
      () =>
        withTimeout(
          Promise.all([received, trackedPool("reference no-op resync", tablets, concurrency, (t) => t.resync(server.port), server.pid)]),
          PHASE_TIMEOUT_MS,
          "reference no-op resync",
        ),
      async () => {
        ({ done: received } = await server.watch(tablets.flatMap((t) => t.t.sessions.map((s) => `${t.peerId} ${docIdOf(s.id)}`))));
      },
    );
    progress("reference: no-op resync done");
    await verify("noop", false);
    results.edit = await measure(server.pid, () =>
      withTimeout(
        trackedPool("reference edit", tablets, concurrency, (t) => t.edit(server.peerId), server.pid),
        PHASE_TIMEOUT_MS,
        "reference edit",
      ),
    );
    await verify("edit", true);
    await Promise.all(tablets.map((t) => t.disconnect()));
  } finally {
    await server.stop();
  }
  // What the reference stored on disk: a server started again on the same directory loads
  // every document with the expected heads.
  const again = await startReference(storage);
  try {
    const r = await again.check(expect(true), true);
    checks.restart = `${r.held}/${workload.length * SESSIONS} loaded from storage after a restart`;
    if (!r.ok) throw new Error(`reference server restarted on its storage: ${JSON.stringify(r)}`);
  } finally {
    await again.stop();
  }
  return { results, checks };
}

// automerge-repo document ids are base58check-encoded 16 bytes: the session's UUID bytes, so
// that both servers hold the same documents under the same ids.
function uuidToDocumentId(uuid) {
  const hex = uuid.replaceAll("-", "");
  const bytes = Uint8Array.from(hex.match(/../g).map((b) => parseInt(b, 16)));
  return interpretAsDocumentId(bytes);
}

// ---------------------------------------------------------------- Tachkhis

async function startTachkhis(bin, dbPath) {
  const child = spawn(bin, ["serve", "--demo", "--addr", "127.0.0.1:0", "--db", dbPath], {
    env: { ...process.env, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const base = await withTimeout(
    new Promise((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`tachkhis exited (${code}) before listening`)));
      lines.on("line", (line) => {
        const m = line.match(/^Tachkhis is running at (\S+?)\/?$/);
        if (m) resolve(m[1]);
      });
    }),
    120_000,
    "tachkhis start",
  );
  const exited = once(child, "exit");
  const kill = () => child.kill("SIGKILL");
  onExit.add(kill);
  exited.then(() => onExit.delete(kill));
  return {
    pid: child.pid,
    base,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

class Http {
  constructor(base, sockets) {
    this.url = new URL(base);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  request(method, path, { token, peer, body, json } = {}) {
    return new Promise((resolve, reject) => {
      const headers = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (peer) headers["x-peer-id"] = peer;
      let payload = body;
      if (json !== undefined) {
        payload = Buffer.from(JSON.stringify(json));
        headers["content-type"] = "application/json";
      } else if (body) {
        headers["content-type"] = "application/octet-stream";
      }
      if (payload) headers["content-length"] = payload.length;
      const req = http.request(
        {
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  close() {
    this.agent.destroy();
  }
}

// The loop any Automerge peer runs against `POST /api/docs/{id}/sync` (as sync-session.mjs):
// send our next message, apply the answer (200: the server's next message; 204: nothing to
// send), until Automerge has nothing more for us. Acknowledged: the heads the server last
// announced are ours, or the server answered our heads with 204 ("nothing more to send: in
// sync", which it never says when it lacks a change we announced).
async function syncDoc(client, tablet, s) {
  const path = `/api/docs/${s.id}/sync`;
  let rounds = 0;
  let lastStatus = null;
  for (;;) {
    const [state, message] = Automerge.generateSyncMessage(s.doc, s.state);
    s.state = state;
    if (message === null) break;
    if (++rounds > MAX_ROUNDS) throw new Error(`${s.id}: no convergence after ${MAX_ROUNDS} rounds`);
    const r = await client.request("POST", path, { token: tablet.token, peer: tablet.peer, body: message });
    lastStatus = r.status;
    if (r.status === 200) {
      if (r.body.length === 0) throw new Error(`${s.id}: 200 with an empty body`);
      [s.doc, s.state] = Automerge.receiveSyncMessage(s.doc, s.state, new Uint8Array(r.body));
    } else if (r.status !== 204) {
      throw new Error(`POST ${path}: HTTP ${r.status}: ${r.body.toString()}`);
    }
  }
  const ours = [...Automerge.getHeads(s.doc)].sort();
  if (rounds === 0) throw new Error(`${s.id}: nothing was sent`);
  if (sameHeads(ours, s.state.theirHeads ?? [])) return { rounds, ack: "heads" };
  if (lastStatus === 204 && !s.state.theirHeads) return { rounds, ack: "204" };
  throw new Error(`${s.id}: not in sync: ours ${ours}, the server's ${s.state.theirHeads} (last ${lastStatus})`);
}

async function login(client) {
  const r = await client.request("POST", "/api/auth/login", {
    json: { username: "facilitator", password: "tachkhis-demo" },
  });
  if (r.status !== 200) throw new Error(`login: HTTP ${r.status}: ${r.body}`);
  return JSON.parse(r.body).token;
}

async function runTachkhis(workload, root, bin, concurrency) {
  const server = await startTachkhis(bin, join(root, "tachkhis.db"));
  const results = {};
  const checks = {};
  const acks = {};
  let client = new Http(server.base, concurrency);
  try {
    // One login per tablet (as in the field), before any clock starts: argon2 is the login's
    // cost, not the sync's.
    const tablets = workload.map((t) => ({
      t,
      token: null,
      peer: `tablet-${t.index}-${randomUUID()}`,
      docs: t.sessions.map((s) => ({ id: s.id, doc: Automerge.load(s.binary), state: Automerge.initSyncState() })),
    }));
    const started = memMb(server.pid).rss;
    await pool(tablets, 4, async (tab) => {
      tab.token = await login(client);
    });
    checks.rss = `${f1(started)} MB once listening, ${f1(memMb(server.pid).rss)} MB after ${tablets.length} logins`;
    const reader = tablets[0].token;
    const verify = async (phase, edited) => {
      const r = await client.request("GET", "/api/sessions", { token: reader });
      if (r.status !== 200) throw new Error(`GET /api/sessions: HTTP ${r.status}: ${r.body}`);
      const counts = new Map(JSON.parse(r.body).map((s) => [s.id, s.proposals]));
      let held = 0;
      const wrong = [];
      for (const tab of tablets) {
        tab.t.sessions.forEach((s, i) => {
          const want = PROPOSALS + (edited && i === 0 ? 1 : 0);
          if (counts.get(s.id) === want) held += 1;
          else if (wrong.length < 5) wrong.push(`${s.id}: ${counts.get(s.id)} proposals, expected ${want}`);
        });
      }
      checks[phase] = `${held}/${workload.length * SESSIONS} sessions projected with the expected proposal count`;
      if (wrong.length) throw new Error(`Tachkhis after ${phase}: ${checks[phase]}: ${wrong.join("; ")}`);
    };
    const run = async (phase, tabs, docsOf) => {
      const count = { heads: 0, 204: 0, rounds: 0 };
      await trackedPool(
        `Tachkhis ${phase}`,
        tabs,
        concurrency,
        async (tab) => {
          for (const s of docsOf(tab)) {
            const r = await syncDoc(client, tab, s);
            count[r.ack] += 1;
            count.rounds += r.rounds;
          }
        },
        server.pid,
      );
      acks[phase] = count;
    };

    results.upload = await measure(server.pid, () =>
      withTimeout(run("upload", tablets, (tab) => tab.docs), PHASE_TIMEOUT_MS, "Tachkhis upload"),
    );
    await verify("upload", false);

    // Reconnect: new connections, and each document's sync state as the tablet persisted it
    // (Automerge's encoded sync state keeps the shared heads only).
    client.close();
    client = new Http(server.base, concurrency);
    for (const tab of tablets) {
      for (const s of tab.docs) s.state = Automerge.decodeSyncState(Automerge.encodeSyncState(s.state));
    }
    results.noop = await measure(server.pid, () =>
      withTimeout(run("noop", tablets, (tab) => tab.docs), PHASE_TIMEOUT_MS, "Tachkhis no-op resync"),
    );
    await verify("noop", false);

    for (const tab of tablets) {
      const s = tab.docs[0];
      s.doc = Automerge.loadIncremental(s.doc, tab.t.edit.change);
      if (!sameHeads(Automerge.getHeads(s.doc), tab.t.edit.heads)) throw new Error("edit heads differ");
    }
    results.edit = await measure(server.pid, () =>
      withTimeout(run("edit", tablets, (tab) => [tab.docs[0]]), PHASE_TIMEOUT_MS, "Tachkhis edit"),
    );
    await verify("edit", true);
    // The heads themselves: a peer that never synced pulls each edited session, and must end
    // with the heads the tablet has.
    let pulled = 0;
    await pool(tablets, concurrency, async (tab) => {
      const fresh = { id: tab.docs[0].id, doc: Automerge.init(), state: Automerge.initSyncState() };
      await syncDoc(client, { token: tab.token, peer: `checker-${randomUUID()}` }, fresh);
      if (!sameHeads(Automerge.getHeads(fresh.doc), tab.t.edit.heads)) {
        throw new Error(`${fresh.id}: a fresh peer pulled heads ${Automerge.getHeads(fresh.doc)}`);
      }
      pulled += 1;
    });
    checks.pull = `${pulled}/${workload.length} edited sessions pulled by a fresh peer with the expected heads`;
  } finally {
    client.close();
    await server.stop();
  }
  return { results, checks, acks };
}

// ---------------------------------------------------------------- report

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : "-");
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : "-");
const pad = (s, n) => String(s).padStart(n);

function printTable(tablets, concurrency, runs) {
  const ref = runs.reference?.results;
  const tk = runs.tachkhis?.results;
  console.log(
    `\n== ${tablets} tablets × ${SESSIONS} sessions × ${PROPOSALS} proposals (${tablets * SESSIONS} documents); ` +
      `${concurrency} tablets syncing at once (Tachkhis: HTTP keep-alive; reference: a websocket each, kept open)`,
  );
  console.log(
    `${"phase".padEnd(28)}${"server".padEnd(11)}${pad("CPU s", 8)}${pad("start MB", 9)}${pad("peak MB", 9)}${pad("end MB", 8)}` +
      `${pad("wall s", 8)}${pad("harness CPU s", 15)}`,
  );
  for (const [key, label] of PHASES) {
    for (const [name, r] of [
      ["Tachkhis", tk?.[key]],
      ["reference", ref?.[key]],
    ]) {
      if (!r) continue;
      console.log(
        `${label.padEnd(28)}${name.padEnd(11)}${pad(f2(r.cpu), 8)}${pad(f1(r.startMb), 9)}${pad(f1(r.peakMb), 9)}${pad(f1(r.rssMb), 8)}` +
          `${pad(f2(r.wall), 8)}${pad(f2(r.harnessCpu), 15)}${r.peakReset ? "" : "  (peak: lifetime, reset refused)"}`,
      );
    }
  }
  if (ref && tk) {
    console.log(`\nTachkhis / reference (goal in brackets: at most)`);
    for (const [key, label] of PHASES) {
      const g = GOALS[key];
      const cpu = tk[key].cpu / ref[key].cpu;
      const rss = tk[key].peakMb / ref[key].peakMb;
      const wall = tk[key].wall / ref[key].wall;
      const mark = (v, goal) => (goal === undefined ? "" : v <= goal ? " ok" : " MISSED");
      console.log(
        `${label.padEnd(28)}CPU ${f2(cpu)}× [${g.cpu}]${mark(cpu, g.cpu)}   peak RSS ${f2(rss)}×` +
          `${g.rss ? ` [${g.rss}]${mark(rss, g.rss)}` : ""}   wall ${f2(wall)}×`,
      );
    }
  }
  for (const [name, r] of Object.entries(runs)) {
    console.log(`checks (${name}): ${Object.entries(r.checks).map(([k, v]) => `${k}: ${v}`).join("; ")}`);
    if (r.acks) console.log(`acknowledged (${name}): ${JSON.stringify(r.acks)}`);
  }
}

async function main() {
  const args = process.argv.slice(2);
  const bin = args[args.indexOf("--tachkhis") + 1];
  const servers = (process.env.TACHKHIS_REF_SERVERS ?? "reference,tachkhis").split(",").map((s) => s.trim());
  if (servers.includes("tachkhis") && (args.indexOf("--tachkhis") < 0 || !bin)) {
    throw new Error("usage: node bench.mjs --tachkhis <path to the tachkhis binary>");
  }
  const counts = (process.env.TACHKHIS_REF_TABLETS ?? "50,200").split(",").map((s) => Number(s.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("TACHKHIS_REF_TABLETS: tablet counts");
  const concurrency = Number(process.env.TACHKHIS_REF_CONCURRENCY ?? 16);
  const summary = [];
  for (const tablets of counts) {
    const started = performance.now();
    const workload = buildWorkload(tablets);
    console.log(
      `built ${tablets * SESSIONS} session documents with @automerge/automerge in ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s (${(
          workload.reduce((n, t) => n + t.sessions.reduce((m, s) => m + s.binary.length, 0), 0) / 1e6
        ).toFixed(1)} MB saved)`,
    );
    const runs = {};
    for (const name of servers) {
      const root = mkdtempSync(join(tmpdir(), `tachkhis-ref-${name}-`));
      const remove = () => rmSync(root, { recursive: true, force: true });
      onExit.add(remove);
      try {
        runs[name] =
          name === "reference"
            ? await runReference(workload, root, concurrency)
            : await runTachkhis(workload, root, bin, concurrency);
      } finally {
        onExit.delete(remove);
        remove();
      }
    }
    printTable(tablets, concurrency, runs);
    summary.push({
      tablets,
      ...Object.fromEntries(
        Object.entries(runs).map(([k, v]) => [
          k,
          Object.fromEntries(Object.entries(v.results).map(([p, r]) => [p, { ...r, info: undefined }])),
        ]),
      ),
    });
  }
  console.log(`\nJSON ${JSON.stringify(summary)}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`reference bench failed: ${e?.stack ?? e}\n`);
    process.exit(1);
  },
);
