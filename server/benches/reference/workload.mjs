// The field workload of the side-by-side benchmark, built by the reference JS Automerge:
// tablets × 6 sessions × 40 proposals, every session a valid Tachkhis session document (the
// layout of tests/js/sync-session.mjs, which the server projects), plus one small edit per
// tablet (a 41st proposal in its first session), made in advance as a change so that both
// servers receive the very same bytes.

import { createHash, randomUUID } from "node:crypto";
import * as Automerge from "@automerge/automerge";

export const SESSIONS = 6;
export const PROPOSALS = 40;

// In Automerge 3 a plain JS string is collaborative text; the session schema wants scalar
// strings everywhere except `notes`, hence ImmutableString.
const str = (s) => new Automerge.ImmutableString(s);
const optStr = (s) => (s === null ? null : str(s));

const PROBLEMS = [
  ["الطريق إلى الدوار مقطوعة في الشتاء", "تهيئة المسلك", "roads", "idouz"],
  ["لا يوجد ماء صالح للشرب", "حفر بئر جماعي", "drinking_water", null],
  ["المدرسة بعيدة عن الأطفال", "نقل مدرسي", null, "idouz"],
  ["غياب مستوصف قريب", "بناء مركز صحي", "health", null],
  ["انقطاع الكهرباء المتكرر", "تقوية الشبكة", null, "idouz"],
];

// Uint and Float64 values must be assigned on the change proxy: nested in an object literal
// they are stored as maps ({value: ...}) by @automerge/automerge 3.x, which the schema rejects.
function addProposal(d, n, author, nowMs) {
  const [problem, solution, sector, douar] = PROBLEMS[n % PROBLEMS.length];
  const id = randomUUID();
  d.proposals[id] = {
    problem: str(`${problem} (${n + 1})`),
    solution: str(solution),
    sector: optStr(sector),
    douar_id: optStr(douar),
    raised_by: str(""),
    created_at: nowMs,
    created_by: str(author),
    deleted: false,
    votes: new Automerge.Counter(0),
  };
  d.proposals[id].rank = new Automerge.Float64(nowMs);
}

// One actor per tablet, as a tablet that made all its sessions itself.
function actorOf(tablet) {
  return createHash("sha256").update(`tablet-${tablet}-${randomUUID()}`).digest("hex").slice(0, 32);
}

const opts = (author, ms) => ({ message: author, time: Math.floor(ms / 1000) });

// A session as a facilitator captures it: created, then one change per proposal.
function buildSession(docId, actor, author, t0) {
  let doc = Automerge.change(Automerge.init({ actor }), opts(author, t0), (d) => {
    d.schema = new Automerge.Uint(1);
    d.type = str("tachkhis.session");
    d.id = str(docId);
    d.meta = {
      pole_id: str("pole-3"),
      group_kind: str("women"),
      date: str("2022-07-14"),
      facilitators: str("فاطمة، خديجة"),
      created_at: t0,
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
    d.notes = "ملاحظات الجلسة: ";
  });
  for (let n = 0; n < PROPOSALS; n++) {
    const ms = t0 + (n + 1) * 30_000;
    doc = Automerge.change(doc, opts(author, ms), (d) => addProposal(d, n, author, ms));
  }
  return doc;
}

const sortedHeads = (doc) => [...Automerge.getHeads(doc)].sort();

/**
 * Builds `tablets` tablets. Each: `{ index, sessions: [{ id, binary, heads }], edit:
 * { change, heads } }` where `edit` applies to `sessions[0]` and `heads` are hex, sorted.
 */
export function buildWorkload(tablets) {
  const author = "facilitator";
  const t0 = Date.UTC(2022, 6, 14, 9, 0, 0);
  const out = [];
  for (let t = 0; t < tablets; t++) {
    const actor = actorOf(t);
    const sessions = [];
    for (let s = 0; s < SESSIONS; s++) {
      const id = randomUUID();
      const doc = buildSession(id, actor, author, t0 + s * 3_600_000);
      sessions.push({ id, doc, binary: Automerge.save(doc), heads: sortedHeads(doc) });
    }
    const ms = t0 + 7 * 3_600_000;
    const edited = Automerge.change(sessions[0].doc, opts(author, ms), (d) =>
      addProposal(d, PROPOSALS, author, ms),
    );
    const change = Automerge.getLastLocalChange(edited);
    const edit = { change, heads: sortedHeads(edited) };
    // Only the bytes are kept: a few hundred live documents (wasm memory and their JS objects)
    // made the harness's own work, garbage collection included, grow with the tablet count.
    // (Not Automerge.free: `edited` shares its wasm document with sessions[0].doc.)
    for (const s of sessions) delete s.doc;
    out.push({ index: t, sessions, edit });
  }
  return out;
}

export { Automerge };
