// Interop check: the standard JS Automerge (npm @automerge/automerge) creates a Tachkhis session
// document and syncs it with the server through `POST /api/docs/{id}/sync`, one raw Automerge
// sync message per request (200 = the server's next message, 204 = nothing to send). It then
// edits the document (a third proposal, one more woman present) and syncs again.
//
// Usage: node sync-session.mjs <base-url> <token> <doc-id>
// Prints one JSON line: {"ok":true,"doc_id":...,"automerge":...,"rounds":[first,second],...}.
// Exits non-zero on any error.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import * as Automerge from "@automerge/automerge";

const MAX_ROUNDS = 20;

// In Automerge 3 a plain JS string is collaborative text; the session schema wants scalar
// strings everywhere except `notes`, hence ImmutableString.
const str = (s) => new Automerge.ImmutableString(s);
const optStr = (s) => (s === null ? null : str(s));

function automergeVersion() {
  try {
    const manifest = new URL("./node_modules/@automerge/automerge/package.json", import.meta.url);
    return JSON.parse(readFileSync(manifest, "utf8")).version;
  } catch {
    return "unknown";
  }
}

// Adds a proposal inside a change callback. Uint and Float64 values must be assigned on the
// change proxy: nested in an object literal they are stored as maps ({value: ...}) by
// @automerge/automerge 3.x, which the schema rejects.
function addProposal(d, p, author, nowMs) {
  const id = randomUUID();
  d.proposals[id] = {
    problem: str(p.problem),
    solution: str(p.solution),
    sector: optStr(p.sector),
    douar_id: optStr(p.douar_id),
    raised_by: str(""),
    created_at: nowMs,
    created_by: str(author),
    deleted: false,
    votes: new Automerge.Counter(0),
  };
  d.proposals[id].rank = new Automerge.Float64(nowMs);
  return id;
}

const PROPOSALS = [
  { problem: "الطريق إلى الدوار مقطوعة في الشتاء", solution: "تهيئة المسلك", sector: "roads", douar_id: "idouz" },
  { problem: "لا يوجد ماء صالح للشرب", solution: "حفر بئر جماعي", sector: "drinking_water", douar_id: null },
  { problem: "المدرسة بعيدة عن الأطفال", solution: "نقل مدرسي", sector: null, douar_id: "idouz" },
];

function createSession(docId, author, nowMs) {
  return Automerge.change(Automerge.init(), { message: author, time: Math.floor(nowMs / 1000) }, (d) => {
    d.schema = new Automerge.Uint(1);
    d.type = str("tachkhis.session");
    d.id = str(docId);
    d.meta = {
      pole_id: str("pole-3"),
      group_kind: str("women"),
      date: str("2022-07-14"),
      facilitators: str("فاطمة، خديجة"),
      created_at: nowMs,
      created_by: str(author),
      closed_at: null,
    };
    d.douars = { idouz: true };
    d.attendance = {
      women: new Automerge.Counter(4),
      men: new Automerge.Counter(3),
      youth_women: new Automerge.Counter(0),
      youth_men: new Automerge.Counter(0),
      disabled_women: new Automerge.Counter(0),
      disabled_men: new Automerge.Counter(0),
    };
    d.proposals = {};
    for (const [i, p] of PROPOSALS.slice(0, 2).entries()) {
      addProposal(d, p, author, nowMs + i);
    }
    d.notes = "ملاحظات الجلسة: ";
  });
}

async function post(url, token, peer, message) {
  const r = await fetch(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/octet-stream",
      "x-peer-id": peer,
    },
    body: message,
  });
  if (r.status === 204) return { status: 204, message: null };
  const body = new Uint8Array(await r.arrayBuffer());
  if (r.status !== 200) {
    throw new Error(`POST ${url}: HTTP ${r.status}: ${new TextDecoder().decode(body)}`);
  }
  if (body.length === 0) throw new Error(`POST ${url}: 200 with an empty body`);
  return { status: 200, message: body };
}

// The loop any Automerge peer runs: send our next message and apply the answer (200 carries the
// server's next message, 204 means it has none), until Automerge has nothing more for us to
// send. A null message from generateSyncMessage means the server has acknowledged our heads
// and we hold everything it offered: both sides are in sync.
async function syncUntilQuiet(doc, syncState, url, token, peer, trace) {
  let rounds = 0;
  let lastStatus = null;
  let sent = 0;
  let received = 0;
  for (;;) {
    const [nextState, message] = Automerge.generateSyncMessage(doc, syncState);
    syncState = nextState;
    if (message === null) break;
    if (rounds >= MAX_ROUNDS) {
      throw new Error(`no convergence after ${MAX_ROUNDS} rounds: ${JSON.stringify(trace)}`);
    }
    rounds += 1;
    sent += message.length;
    const answer = await post(url, token, peer, message);
    lastStatus = answer.status;
    trace.push({ up: message.length, status: answer.status, down: answer.message?.length ?? 0 });
    if (answer.message) {
      received += answer.message.length;
      [doc, syncState] = Automerge.receiveSyncMessage(doc, syncState, answer.message);
    }
  }
  if (rounds === 0) throw new Error("nothing was sent: the document has no changes?");
  // In sync: the heads the server last announced are ours.
  const ours = [...Automerge.getHeads(doc)].sort();
  const theirs = [...(syncState.theirHeads ?? [])].sort();
  if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
    throw new Error(`not in sync: our heads ${ours}, the server's ${theirs}: ${JSON.stringify(trace)}`);
  }
  return { doc, syncState, rounds, lastStatus, sent, received };
}

async function main() {
  const [base, token, docId] = process.argv.slice(2);
  if (!base || !token || !docId) {
    throw new Error("usage: node sync-session.mjs <base-url> <token> <doc-id>");
  }
  const url = `${base.replace(/\/+$/, "")}/api/docs/${encodeURIComponent(docId)}/sync`;
  const peer = `js-automerge-${randomUUID()}`;
  const author = "facilitator";
  const t0 = Date.UTC(2022, 6, 14, 9, 0, 0);

  let doc = createSession(docId, author, t0);
  let syncState = Automerge.initSyncState();
  const trace = [[], []];
  const first = await syncUntilQuiet(doc, syncState, url, token, peer, trace[0]);
  ({ doc, syncState } = first);

  doc = Automerge.change(doc, { message: author, time: Math.floor((t0 + 60_000) / 1000) }, (d) => {
    addProposal(d, PROPOSALS[2], author, t0 + 60_000);
    d.attendance.women.increment(1);
    Automerge.splice(d, ["notes"], d.notes.length, 0, "ثلاثة مقترحات.");
  });
  const second = await syncUntilQuiet(doc, syncState, url, token, peer, trace[1]);
  doc = second.doc;

  const out = {
    ok: true,
    doc_id: docId,
    automerge: automergeVersion(),
    rounds: [first.rounds, second.rounds],
    last_status: [first.lastStatus, second.lastStatus],
    bytes_up: first.sent + second.sent,
    bytes_down: first.received + second.received,
    heads: [...Automerge.getHeads(doc)].sort(),
    proposals: Object.keys(doc.proposals).length,
    present: doc.attendance.women.value + doc.attendance.men.value,
    trace,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  process.stderr.write(`sync-session failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});
