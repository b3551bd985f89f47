// The reference sync server, as automerge-repo's own sync server sets it up: a Repo with the
// websocket server adapter (on a `ws` WebSocketServer) and Node filesystem storage, sharing
// nothing unasked (sharePolicy false: it only syncs the documents a peer asks for).
//
// Started by bench.mjs with child_process.fork, so its CPU and memory are its own. Usage:
// node ref-server.mjs <storage-dir> [keep-alive ms]. Over the IPC channel it reports
// {type: "ready", port, peerId, pid} and answers:
// - {type: "check", id, expect: {docId: [hex heads]}, load}: whether it holds every document
//   with exactly these heads (from its in-memory handles, or with `load` through repo.find,
//   i.e. from storage for a server just started on the same directory), then flushes every
//   document to storage. Answers {type: "checked", id, ok, held, missing, wrong, notReady,
//   examples, disconnects (peers dropped since the start, by them or by the keep-alive)}.
// - {type: "watch", id, pairs: ["peerId documentId", ...]}: answers {type: "watching", id}
//   at once, then {type: "received", id} once it has applied a sync message of every pair.

import { once } from "node:events";
import * as Automerge from "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo";
import { WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { WebSocketServer } from "ws";

const dir = process.argv[2];
if (!dir || !process.send) {
  process.stderr.write("usage: forked by bench.mjs with <storage-dir>\n");
  process.exit(2);
}

// Not asked for its storage id here: repo.storageId() racing the Repo's own first call makes
// two ids, and peers would be told the other one. Tablets read it from the peer metadata.
const SERVER_PEER = "reference-sync-server";
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
await once(wss, "listening");
// The adapter pings every socket each keepAliveInterval (5 s by default) and drops one that has
// not answered the previous ping. With a few hundred tablets simulated in one harness process
// on the same 2 cores, the harness answers late and tablets were dropped and resynced mid-phase:
// bench.mjs passes a longer interval (its TACHKHIS_REF_KEEPALIVE_MS) and reports the drops.
const keepAliveMs = Number(process.argv[3] ?? 5000);
const repo = new Repo({
  network: [new WebSocketServerAdapter(wss, keepAliveMs)],
  storage: new NodeFSStorageAdapter(dir),
  peerId: SERVER_PEER,
  sharePolicy: async () => false,
});

let disconnects = 0;
repo.networkSubsystem.on("peer-disconnected", () => {
  disconnects += 1;
});

const same = (a, b) => a.length === b.length && a.every((h, i) => h === b[i]);

async function check({ id, expect, load }) {
  const r = { type: "checked", id, held: 0, missing: 0, wrong: 0, notReady: 0, examples: [] };
  const ready = [];
  for (const [docId, heads] of Object.entries(expect)) {
    let handle = repo.handles[docId];
    if (!handle && load) {
      try {
        handle = await repo.find(docId);
      } catch (e) {
        r.examples.push(`${docId}: find failed: ${e?.message ?? e}`);
      }
    }
    if (!handle) {
      r.missing += 1;
      if (r.examples.length < 5) r.examples.push(`${docId}: missing`);
      continue;
    }
    if (!handle.isReady()) {
      r.notReady += 1;
      if (r.examples.length < 5) r.examples.push(`${docId}: ${handle.state}`);
      continue;
    }
    ready.push(docId);
    const got = [...Automerge.getHeads(handle.doc())].sort();
    if (same(got, [...heads].sort())) {
      r.held += 1;
    } else {
      r.wrong += 1;
      if (r.examples.length < 5) r.examples.push(`${docId}: heads ${got} != ${heads}`);
    }
  }
  await repo.flush(ready);
  r.ok = r.missing === 0 && r.wrong === 0 && r.notReady === 0;
  r.handles = Object.keys(repo.handles).length;
  r.disconnects = disconnects;
  return r;
}

// Sync messages awaited: watch id -> pending "peer documentId" pairs. A no-op resync gets no
// answer from this server (its sync state says the peer is up to date), so the tablets cannot
// see the end of that phase: the server says when it has applied one message of each pair.
const watches = new Map();
repo.on("doc-metrics", (m) => {
  if (m.type !== "receive-sync-message" || watches.size === 0) return;
  const key = `${m.fromPeer} ${m.documentId}`;
  for (const [id, pending] of watches) {
    if (pending.delete(key) && pending.size === 0) {
      watches.delete(id);
      process.send({ type: "received", id });
    }
  }
});

process.on("message", (m) => {
  if (m?.type === "watch") {
    watches.set(m.id, new Set(m.pairs));
    process.send({ type: "watching", id: m.id });
  } else if (m?.type === "check") {
    check(m).then(
      (r) => process.send(r),
      (e) => process.send({ type: "checked", id: m.id, ok: false, examples: [String(e?.stack ?? e)] }),
    );
  }
});
process.on("disconnect", () => process.exit(0));

process.send({ type: "ready", port: wss.address().port, peerId: SERVER_PEER, pid: process.pid });
