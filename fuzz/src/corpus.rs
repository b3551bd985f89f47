//! Valid inputs to start from, made by the project's own code: session documents written
//! through `SessionDoc`, the sync messages the shared engine exchanges about them, session files
//! and codes from `shared::bundle`. Everything is deterministic (fixed actors, ids and clocks),
//! so a seed replays the same inputs.

use automerge::{
    ActorId, AutoCommit,
    sync::{State, SyncDoc},
    transaction::Transactable,
};
use tachkhis_shared::{
    AttendanceCategory, GroupKind, Sector,
    bundle::{self, Entry},
    session::{EditCtx, NewSession, ProposalInput, SessionDetails, SessionDoc},
};
use uuid::Uuid;

use crate::am::{Known, Msg};

/// The frozen schema v1 document of the compatibility tests.
pub const SESSION_V1: &[u8] = include_bytes!("../../shared/tests/data/session-v1.automerge");

pub fn id(n: u8) -> Uuid {
    Uuid::from_bytes([0x7a, 0xc4, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, n])
}

fn actor(n: u8) -> ActorId {
    ActorId::from(&[0xa5, n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, n][..])
}

struct Clock(i64);

impl Clock {
    fn ctx(&mut self, who: &str) -> EditCtx {
        self.0 += 1_000;
        EditCtx::new(who, self.0)
    }
}

fn opening() -> NewSession {
    NewSession {
        pole_id: "pole-3".into(),
        douar_ids: vec!["idouz".into(), "ait-abbou".into()],
        group_kind: GroupKind::Women,
        date: "2022-07-14".into(),
        facilitators: "فاطمة الزهراء، Khadija".into(),
    }
}

fn proposal(i: usize) -> ProposalInput {
    let problems = [
        "الطريق إلى الدوار مقطوعة في الشتاء",
        "لا يوجد ماء صالح للشرب",
        "المدرسة بعيدة عن الأطفال",
        "Électricité: coupures fréquentes à Aït Abbou",
        "ⵜⴰⵎⴰⵣⵉⵖⵜ ⴰⵎⴰⵏ",
    ];
    ProposalInput {
        problem: format!("{} ({i})", problems[i % problems.len()]),
        solution: "الحل المقترح: ".repeat(1 + i % 7),
        sector: Some(Sector::ALL[i % Sector::ALL.len()].clone()),
        douar_id: Some(
            if i.is_multiple_of(2) {
                "idouz"
            } else {
                "ait-abbou"
            }
            .into(),
        ),
        raised_by: if i.is_multiple_of(3) {
            "جمعية النور".into()
        } else {
            String::new()
        },
    }
}

/// A small session: created, two proposals, some attendance.
pub fn small_session(doc_id: Uuid, actor_n: u8) -> SessionDoc {
    let mut clock = Clock(1_657_800_000_000);
    let mut doc =
        SessionDoc::create(doc_id, &opening(), &clock.ctx("a"), Some(actor(actor_n))).unwrap();
    for i in 0..2 {
        let ctx = clock.ctx("a");
        doc.add_proposal_with_id(id(100 + i as u8), &proposal(i), &ctx)
            .unwrap();
    }
    doc.add_attendance(AttendanceCategory::Women, 12, &clock.ctx("a"))
        .unwrap();
    doc
}

/// A grown session: details, many proposals (long texts, so some changes are compressed),
/// votes, moves, a deletion, associations, notes, closed.
pub fn rich_session(doc_id: Uuid, actor_n: u8, proposals: usize) -> SessionDoc {
    let mut clock = Clock(1_657_900_000_000);
    let details = SessionDetails {
        start_time: Some("09:30".into()),
        end_time: Some("12:00".into()),
        place: "مدرسة ادوز".into(),
        note_taker: "Amina".into(),
    };
    let mut doc = SessionDoc::create_with_details(
        doc_id,
        &opening(),
        &details,
        &clock.ctx("a"),
        Some(actor(actor_n)),
    )
    .unwrap();
    let mut ids = Vec::new();
    for i in 0..proposals {
        let pid = id(120 + i as u8);
        doc.add_proposal_with_id(pid, &proposal(i), &clock.ctx("a"))
            .unwrap();
        ids.push(pid);
    }
    for (i, pid) in ids.iter().enumerate() {
        doc.add_votes(*pid, 1 + i as i64, &clock.ctx("a")).unwrap();
    }
    if ids.len() > 2 {
        doc.move_proposal(ids[1], true, &clock.ctx("a")).unwrap();
        doc.set_proposal_deleted(ids[2], true, &clock.ctx("a"))
            .unwrap();
    }
    for c in AttendanceCategory::ALL {
        doc.add_attendance(c.clone(), 3, &clock.ctx("a")).unwrap();
    }
    let ctx = clock.ctx("a");
    doc.add_association_with_id(id(200), "جمعية النور للتنمية", 4, &ctx)
        .unwrap();
    doc.set_notes(&"ملاحظات الاجتماع، ".repeat(150), &clock.ctx("a"))
        .unwrap();
    doc.close(&clock.ctx("a")).unwrap();
    doc
}

/// The session `base` with further edits by another tablet (a second actor).
pub fn edited_copy(base: &mut SessionDoc, actor_n: u8) -> SessionDoc {
    let mut clock = Clock(1_658_000_000_000);
    let mut doc = SessionDoc::load(&base.save(), Some(actor(actor_n))).unwrap();
    doc.add_proposal_with_id(id(250), &proposal(3), &clock.ctx("b"))
        .unwrap();
    doc.add_attendance(AttendanceCategory::Men, 2, &clock.ctx("b"))
        .unwrap();
    doc.set_notes("ملاحظات جديدة", &clock.ctx("b")).unwrap();
    doc
}

/// A document that is not a session (the server quarantines it).
pub fn not_a_session() -> AutoCommit {
    let mut doc = AutoCommit::new().with_actor(actor(90));
    doc.put(automerge::ROOT, "schema", "nonsense").unwrap();
    doc.put(automerge::ROOT, "id", 42).unwrap();
    doc.commit_with(automerge::transaction::CommitOptions::default().with_time(1_657_800_000));
    doc
}

/// Every message two peers exchange until they are in sync, both directions, in order.
pub fn record_sync(a: &mut AutoCommit, b: &mut AutoCommit) -> Vec<Vec<u8>> {
    let (mut sa, mut sb) = (State::new(), State::new());
    let mut out = Vec::new();
    for _ in 0..32 {
        let mut quiet = true;
        if let Some(m) = a.sync().generate_sync_message(&mut sa) {
            quiet = false;
            let bytes = m.encode();
            out.push(bytes.clone());
            let m = automerge::sync::Message::decode(&bytes).unwrap();
            b.sync().receive_sync_message(&mut sb, m).unwrap();
        }
        if let Some(m) = b.sync().generate_sync_message(&mut sb) {
            quiet = false;
            let bytes = m.encode();
            out.push(bytes.clone());
            let m = automerge::sync::Message::decode(&bytes).unwrap();
            a.sync().receive_sync_message(&mut sa, m).unwrap();
        }
        if quiet {
            break;
        }
    }
    out
}

/// The chunks and head hashes found in `messages` and `docs`, for the generators.
pub fn known(messages: &[Vec<u8>], docs: &mut [&mut AutoCommit]) -> Known {
    let mut k = Known::default();
    for m in messages {
        if let Some(msg) = Msg::parse(m) {
            k.hashes.extend(msg.heads.iter().chain(&msg.need));
            k.chunks.extend(msg.changes.iter().cloned());
        }
    }
    for d in docs {
        k.hashes.extend(d.get_heads().iter().map(|h| h.0));
        k.chunks.push(d.save());
        for c in d.get_changes(&[]).into_iter().take(64) {
            k.hashes.push(c.hash().0);
            k.chunks.push(c.raw_bytes().to_vec());
        }
    }
    k.hashes.sort_unstable();
    k.hashes.dedup();
    k
}

/// Session files: one session, several, the v1 document, a rich one, and a join code.
pub fn session_files() -> Vec<Vec<u8>> {
    let mut small = small_session(id(1), 1);
    let mut rich = rich_session(id(2), 2, 12);
    let mut edited = edited_copy(&mut small, 3);
    let v1 = SessionDoc::load(SESSION_V1, None).unwrap();
    let v1_id = v1.read().unwrap().id;
    let entry = |id: Uuid, doc: &mut SessionDoc| Entry {
        id,
        doc: doc.save(),
    };
    let one = bundle::encode(&[entry(id(1), &mut small)]);
    let all = bundle::encode(&[
        entry(id(2), &mut rich),
        entry(id(1), &mut edited),
        Entry {
            id: v1_id,
            doc: SESSION_V1.to_vec(),
        },
    ]);
    let v1_file = bundle::encode(&[Entry {
        id: v1_id,
        doc: SESSION_V1.to_vec(),
    }]);
    let incremental = {
        // A document saved as its changes one by one (what `save_incremental` appends).
        let mut doc = small_session(id(3), 4);
        let mut bytes = doc.save();
        let ctx = EditCtx::new("a", 1_700_000_000_000);
        doc.add_proposal_with_id(id(240), &proposal(4), &ctx)
            .unwrap();
        bytes.extend(doc.automerge_mut().save_incremental());
        bundle::encode(&[Entry {
            id: id(3),
            doc: bytes,
        }])
    };
    // A join code's bytes (format '3': the session's genesis change only).
    let join = bundle::encode_join(id(2), &mut rich).expect("a join code");
    vec![one, all, v1_file, incremental, join]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_valid() {
        for file in session_files() {
            let sessions = bundle::read_sessions(&file).expect("a valid session file");
            assert!(!sessions.is_empty());
            let code = bundle::to_code(&file);
            assert_eq!(bundle::from_code(&code).unwrap(), file);
        }
        let mut tablet = rich_session(id(9), 9, 5).into_automerge();
        let mut server = AutoCommit::new();
        let messages = record_sync(&mut tablet, &mut server);
        assert!(messages.len() >= 2);
        assert_eq!(tablet.get_heads(), server.get_heads());
    }

    #[test]
    fn the_corpus_is_the_same_every_time() {
        assert_eq!(session_files(), session_files());
    }
}
