//! What a facilitator relies on when two (or three) tablets record the same meeting offline:
//! every tablet's work survives the merge, whatever the order and whatever the channel (the
//! sync protocol, a file merged with `SessionDoc::merge`, a file loaded).
//!
//! The second tablet always gets the document from the first (sync or file): the last test
//! shows what happens when it creates "the same" session itself instead.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{ActorId, AutoCommit, ChangeHash, ReadDoc};
use proptest::prelude::*;
use tachkhis_shared::session::{
    EditCtx, NewSession, Proposal, ProposalInput, Session, SessionDetails, SessionDoc,
};
use tachkhis_shared::sync::{self, State};
use tachkhis_shared::{AttendanceCategory, GroupKind, Sector};
use uuid::Uuid;

const SESSION_ID: Uuid = Uuid::from_u128(0x5e55_1000_0000_4000_8000_0000_0000_0001);
const T0: i64 = 1_657_800_000_000;

fn new_session() -> NewSession {
    NewSession {
        pole_id: "pole-1".into(),
        douar_ids: vec!["idouz".into(), "el-jrif".into()],
        group_kind: GroupKind::Women,
        date: "2022-07-14".into(),
        facilitators: "فاطمة، خديجة".into(),
    }
}

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

fn ctx(author: &str, now_ms: i64) -> EditCtx {
    EditCtx::new(author, now_ms)
}

fn input(problem: &str, solution: &str, sector: Option<Sector>) -> ProposalInput {
    ProposalInput {
        problem: problem.into(),
        solution: solution.into(),
        sector,
        douar_id: Some("idouz".into()),
        raised_by: String::new(),
    }
}

fn input_of(p: &Proposal) -> ProposalInput {
    ProposalInput {
        problem: p.problem.clone(),
        solution: p.solution.clone(),
        sector: p.sector.clone(),
        douar_id: p.douar_id.clone(),
        raised_by: p.raised_by.clone(),
    }
}

fn proposal(session: &Session, id: Uuid) -> &Proposal {
    session
        .proposals
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("proposal {id} is missing"))
}

/// Edits the fields `change` touches, as the proposal form does (it submits the whole form).
fn edit(doc: &mut SessionDoc, id: Uuid, ctx: &EditCtx, change: impl FnOnce(&mut ProposalInput)) {
    let session = doc.read().expect("valid before the edit");
    let mut form = input_of(proposal(&session, id));
    change(&mut form);
    doc.update_proposal(id, &form, ctx).expect("edit accepted");
}

/// Runs the real sync protocol between two replicas with the given per-peer states until
/// neither side has anything to send. Returns the number of messages exchanged.
fn sync_with(a: &mut AutoCommit, sa: &mut State, b: &mut AutoCommit, sb: &mut State) -> usize {
    let mut messages = 0;
    for _ in 0..64 {
        let from_a = sync::generate(a, sa);
        if let Some(m) = &from_a {
            sync::receive(b, sb, m).expect("b accepts a's message");
            messages += 1;
        }
        let from_b = sync::generate(b, sb);
        if let Some(m) = &from_b {
            sync::receive(a, sa, m).expect("a accepts b's message");
            messages += 1;
        }
        if from_a.is_none() && from_b.is_none() {
            return messages;
        }
    }
    panic!("the sync protocol did not settle after 64 rounds");
}

/// A sync run between two tablets that never met (fresh states on both sides).
fn sync_pair(a: &mut AutoCommit, b: &mut AutoCommit) -> usize {
    sync_with(a, &mut State::new(), b, &mut State::new())
}

fn sorted_heads(doc: &mut SessionDoc) -> Vec<ChangeHash> {
    let mut heads = doc.heads();
    heads.sort();
    heads
}

/// All the replicas hold the same document: same heads, same session once read.
fn assert_converged(replicas: &mut [SessionDoc]) -> Session {
    let (first, rest) = replicas.split_first_mut().expect("at least one replica");
    let session = first
        .read()
        .expect("the merged document follows the schema");
    let heads = sorted_heads(first);
    for (i, other) in rest.iter_mut().enumerate() {
        assert_eq!(
            sorted_heads(other),
            heads,
            "replica {} has other heads",
            i + 1
        );
        assert_eq!(
            other.read().expect("valid schema"),
            session,
            "replica {} reads differently",
            i + 1
        );
    }
    session
}

fn merged(base: &SessionDoc, others: &[&SessionDoc]) -> SessionDoc {
    let mut out = base.clone();
    for other in others {
        out.merge(&mut (*other).clone()).expect("merge");
    }
    out
}

fn synced(a: &SessionDoc, b: &SessionDoc) -> (SessionDoc, SessionDoc) {
    let (mut a, mut b) = (a.clone(), b.clone());
    sync_pair(a.automerge_mut(), b.automerge_mut());
    (a, b)
}

fn ids(session: &Session) -> BTreeSet<Uuid> {
    session.proposals.iter().map(|p| p.id).collect()
}

#[derive(Debug, Clone, Copy)]
enum SecondTablet {
    BySync,
    ByFile,
}

fn second_tablet(a: &mut SessionDoc, how: SecondTablet) -> SessionDoc {
    match how {
        SecondTablet::BySync => {
            let mut b = SessionDoc::empty(Some(actor(0xB)));
            assert!(b.is_empty());
            sync_pair(a.automerge_mut(), b.automerge_mut());
            b
        }
        SecondTablet::ByFile => {
            SessionDoc::load(&a.save(), Some(actor(0xB))).expect("A's file loads")
        }
    }
}

fn two_tablets_record_one_meeting_offline(how: SecondTablet) {
    let fatima = |t: i64| ctx("fatima", T0 + t * 1000);
    let khadija = |t: i64| ctx("khadija", T0 + t * 1000 + 1);

    // Tablet A opens the session and records what happens before the groups split.
    let mut a =
        SessionDoc::create(SESSION_ID, &new_session(), &fatima(0), Some(actor(0xA))).unwrap();
    let shared = a
        .add_proposal(
            &input(
                "الطريق مقطوعة في الشتاء",
                "تعبيد الطريق",
                Some(Sector::Roads),
            ),
            &fatima(1),
        )
        .unwrap();
    let deleted_before = a
        .add_proposal(
            &input("الماء", "بئر", Some(Sector::DrinkingWater)),
            &fatima(2),
        )
        .unwrap();
    a.set_proposal_deleted(deleted_before, true, &fatima(3))
        .unwrap();
    let toggled = a
        .add_proposal(
            &input("المدرسة بعيدة", "نقل مدرسي", Some(Sector::Education)),
            &fatima(4),
        )
        .unwrap();
    a.add_attendance(AttendanceCategory::Men, 1, &fatima(5))
        .unwrap();
    a.set_notes("الافتتاح\nالختام", &fatima(6)).unwrap();

    // Tablet B receives it, and both hold the same document.
    let mut b = second_tablet(&mut a, how);
    assert_converged(&mut [a.clone(), b.clone()]);
    let genesis = b.read().unwrap();
    assert_eq!(genesis.proposals.len(), 3);

    // Offline: each tablet adds proposals.
    let a1 = a
        .add_proposal(
            &input("لا يوجد مستوصف", "بناء مستوصف", Some(Sector::Health)),
            &fatima(10),
        )
        .unwrap();
    let a2 = a
        .add_proposal(
            &input("Pas d'éclairage", "", Some(Sector::Electricity)),
            &fatima(11),
        )
        .unwrap();
    let b1 = b
        .add_proposal(
            &input("البطالة", "تعاونية نسائية", Some(Sector::Economy)),
            &khadija(10),
        )
        .unwrap();

    // Both count at the door: three women on A, two on B; one man leaves, seen by both.
    for t in 0..3 {
        a.add_attendance(AttendanceCategory::Women, 1, &fatima(20 + t))
            .unwrap();
    }
    for t in 0..2 {
        b.add_attendance(AttendanceCategory::Women, 1, &khadija(20 + t))
            .unwrap();
    }
    a.add_attendance(AttendanceCategory::Men, -1, &fatima(25))
        .unwrap();
    b.add_attendance(AttendanceCategory::Men, -1, &khadija(25))
        .unwrap();
    assert_eq!(
        a.read().unwrap().attendance.get(AttendanceCategory::Women),
        3
    );
    assert_eq!(b.read().unwrap().attendance.get(AttendanceCategory::Men), 0);

    // Both edit the same proposal: A the problem, B the sector, and both the solution.
    edit(&mut a, shared, &fatima(30), |f| {
        f.problem = "الطريق مقطوعة في الشتاء والربيع".into();
        f.solution = "تعبيد الطريق وبناء قنطرة".into();
    });
    edit(&mut b, shared, &khadija(30), |f| {
        f.sector = Some(Sector::Environment);
        f.solution = "فتح مسلك".into();
    });

    // Deleted then restored: A restores what was deleted before the split while B votes on
    // it; A deletes and restores another one while B edits who raised it.
    a.set_proposal_deleted(deleted_before, false, &fatima(40))
        .unwrap();
    b.add_votes(deleted_before, 2, &khadija(40)).unwrap();
    a.set_proposal_deleted(toggled, true, &fatima(41)).unwrap();
    a.set_proposal_deleted(toggled, false, &fatima(42)).unwrap();
    edit(&mut b, toggled, &khadija(41), |f| {
        f.raised_by = "الشابات".into()
    });
    a.add_votes(toggled, 1, &fatima(43)).unwrap();
    b.add_votes(toggled, 3, &khadija(43)).unwrap();

    // Notes typed on both at different places: A before the opening, B between the lines.
    a.set_notes("حضور الرئيس\nالافتتاح\nالختام", &fatima(50))
        .unwrap();
    b.set_notes("الافتتاح\nنقاش الطرق\nالختام", &khadija(50))
        .unwrap();

    let a_before = a.read().unwrap();
    let b_before = b.read().unwrap();

    // Merge in both orders, by file and by the sync protocol started from either side.
    let ab = merged(&a, &[&b]);
    let ba = merged(&b, &[&a]);
    let (sa, sb) = synced(&a, &b);
    let (sb2, sa2) = synced(&b, &a);
    let via_load = SessionDoc::load(&ab.clone().save(), None).unwrap();
    let s = assert_converged(&mut [ab, ba, sa, sb, sb2, sa2, via_load]);

    // No proposal lost or duplicated.
    let expected: BTreeSet<Uuid> = [shared, deleted_before, toggled, a1, a2, b1].into();
    assert_eq!(ids(&s), expected);
    assert_eq!(s.proposals.len(), expected.len());
    assert_eq!(*proposal(&s, a1), *proposal(&a_before, a1));
    assert_eq!(*proposal(&s, a2), *proposal(&a_before, a2));
    assert_eq!(*proposal(&s, b1), *proposal(&b_before, b1));

    // Counters add up; a counter below zero reads zero.
    assert_eq!(s.attendance.get(AttendanceCategory::Women), 5);
    assert_eq!(s.attendance.0[&AttendanceCategory::Men], -1);
    assert_eq!(s.attendance.get(AttendanceCategory::Men), 0);
    assert_eq!(s.attendance.total(), 5);

    // Different fields of one proposal: both edits survive; the same field: one value.
    let p = proposal(&s, shared);
    assert_eq!(p.problem, "الطريق مقطوعة في الشتاء والربيع");
    assert_eq!(p.sector, Some(Sector::Environment));
    assert!(
        p.solution == "تعبيد الطريق وبناء قنطرة" || p.solution == "فتح مسلك",
        "the solution is one of the two typed: {}",
        p.solution
    );

    // Restored proposals are live, with what the other tablet did to them meanwhile.
    let restored = proposal(&s, deleted_before);
    assert!(!restored.deleted);
    assert_eq!(restored.votes, 2);
    let toggled = proposal(&s, toggled);
    assert!(!toggled.deleted);
    assert_eq!(toggled.raised_by, "الشابات");
    assert_eq!(toggled.votes, 4);
    assert_eq!(s.live_proposals().count(), 6);

    // Both insertions in the notes are kept, each where it was typed.
    assert_eq!(s.notes, "حضور الرئيس\nالافتتاح\nنقاش الطرق\nالختام");

    // Syncing again changes nothing.
    let mut again = [merged(&a, &[&b]), merged(&b, &[&a])];
    let before = sorted_heads(&mut again[0]);
    let [x, y] = &mut again;
    sync_pair(x.automerge_mut(), y.automerge_mut());
    assert_eq!(sorted_heads(x), before);
    assert_eq!(x.read().unwrap(), s);
}

#[test]
fn offline_tablets_merge_when_second_got_session_by_sync() {
    two_tablets_record_one_meeting_offline(SecondTablet::BySync);
}

#[test]
fn offline_tablets_merge_when_second_got_session_by_file() {
    two_tablets_record_one_meeting_offline(SecondTablet::ByFile);
}

#[test]
fn sync_of_synced_tablets_is_quiet_and_changes_nothing() {
    let mut a =
        SessionDoc::create(SESSION_ID, &new_session(), &ctx("a", T0), Some(actor(1))).unwrap();
    a.add_proposal(&input("x", "y", None), &ctx("a", T0 + 1))
        .unwrap();
    let mut b = SessionDoc::empty(Some(actor(2)));
    let (mut sa, mut sb) = (State::new(), State::new());
    assert!(sync_with(a.automerge_mut(), &mut sa, b.automerge_mut(), &mut sb) > 0);
    // The states, stored and restored as a tablet and the server do, know the shared heads;
    // running the protocol again with them brings nothing new.
    let mut sa = sync::decode_state(Some(&sync::encode_state(&sa)));
    let mut sb = sync::decode_state(Some(&sync::encode_state(&sb)));
    assert!(sync::is_synced(a.automerge_mut(), &sa));
    let heads = sorted_heads(&mut a);
    sync_with(a.automerge_mut(), &mut sa, b.automerge_mut(), &mut sb);
    assert_eq!(sorted_heads(&mut a), heads);
    assert_converged(&mut [a, b]);
}

/// Why a second tablet must receive the session (sync, file, code) and never create it:
/// two `SessionDoc::create` with the same id make two different `proposals` maps (and
/// `attendance`, `notes`, `meta` objects); on merge one of each pair wins the root key and
/// the other tablet's proposals, counts and notes disappear from the session.
#[test]
fn two_independent_creates_of_one_session_hide_one_tablets_work_on_merge() {
    let mut a = SessionDoc::create(
        SESSION_ID,
        &new_session(),
        &ctx("fatima", T0),
        Some(actor(0xA)),
    )
    .unwrap();
    let mut b = SessionDoc::create(
        SESSION_ID,
        &new_session(),
        &ctx("khadija", T0),
        Some(actor(0xB)),
    )
    .unwrap();
    let pa = a
        .add_proposal(&input("من اللوحة أ", "", None), &ctx("fatima", T0 + 1))
        .unwrap();
    let pb = b
        .add_proposal(&input("من اللوحة ب", "", None), &ctx("khadija", T0 + 1))
        .unwrap();
    a.add_attendance(AttendanceCategory::Women, 3, &ctx("fatima", T0 + 2))
        .unwrap();
    b.add_attendance(AttendanceCategory::Women, 2, &ctx("khadija", T0 + 2))
        .unwrap();

    let ab = merged(&a, &[&b]);
    let ba = merged(&b, &[&a]);
    let s = assert_converged(&mut [ab.clone(), ba]);

    // The root holds two conflicting `proposals` maps; only one is read.
    let proposals_maps = ab
        .automerge()
        .get_all(automerge::ROOT, "proposals")
        .unwrap();
    assert_eq!(
        proposals_maps.len(),
        2,
        "each create made its own proposals map"
    );
    assert_eq!(s.proposals.len(), 1, "one tablet's proposal is hidden");
    let visible = s.proposals[0].id;
    assert!(visible == pa || visible == pb);
    // The counts of the hidden tablet are lost too: 3 or 2 women, never 5.
    let women = s.attendance.get(AttendanceCategory::Women);
    assert_eq!(women, if visible == pa { 3 } else { 2 });
    assert_ne!(women, 5);
}

// ---------------------------------------------------------------------------------------------
// Random offline edits.

/// Arabic letters without diacritics (each is one grapheme, as the notes diff works on
/// graphemes), Latin, digits.
const LETTERS: &str = "a-zA-Z\u{0621}-\u{063A}\u{0641}-\u{064A}";

fn regex(pattern: &str) -> impl Strategy<Value = String> + use<> {
    proptest::string::string_regex(pattern).expect("a valid pattern")
}

fn text() -> impl Strategy<Value = String> {
    // Starts with a letter, so that a problem is never blank; may carry Arabic diacritics.
    regex(&format!(
        "[{LETTERS}][{LETTERS}0-9 \u{064B}-\u{0652}،؟.]{{0,24}}"
    ))
}

fn maybe_empty_text() -> impl Strategy<Value = String> {
    prop_oneof![1 => Just(String::new()), 4 => text()]
}

fn fragment() -> impl Strategy<Value = String> {
    regex(&format!("[{LETTERS}0-9 \n،.]{{1,12}}"))
}

fn sector() -> impl Strategy<Value = Option<Sector>> {
    prop::option::of(prop::sample::select(Sector::ALL))
}

fn delta() -> impl Strategy<Value = i64> {
    prop_oneof![1i64..=5, -5i64..=-1]
}

#[derive(Debug, Clone)]
enum Field {
    Problem(String),
    Solution(String),
    Sector(Option<Sector>),
    Douar(Option<String>),
    RaisedBy(String),
    Rank(i32),
}

#[derive(Debug, Clone)]
enum Op {
    AddProposal {
        problem: String,
        solution: String,
        sector: Option<Sector>,
    },
    EditProposal {
        pick: usize,
        field: Field,
    },
    SetDeleted {
        pick: usize,
        deleted: bool,
    },
    Attendance {
        category: AttendanceCategory,
        delta: i64,
    },
    Votes {
        pick: usize,
        delta: i64,
    },
    Notes {
        at: usize,
        fragment: String,
    },
    Close,
    /// Moves a proposal one place up or down in the group's ranking.
    Move {
        pick: usize,
        up: bool,
    },
    AddAssociation {
        name: String,
        count: i64,
    },
    AssociationCount {
        pick: usize,
        delta: i64,
    },
    AssociationDeleted {
        pick: usize,
        deleted: bool,
    },
    /// Sets one of the v2 metadata fields (0 start, 1 end, 2 place, 3 note-taker).
    Detail {
        which: u8,
        value: String,
    },
}

fn field() -> impl Strategy<Value = Field> {
    prop_oneof![
        text().prop_map(Field::Problem),
        maybe_empty_text().prop_map(Field::Solution),
        sector().prop_map(Field::Sector),
        prop::option::of(prop::sample::select(&["idouz", "el-jrif", "tizi"][..]))
            .prop_map(|d| Field::Douar(d.map(String::from))),
        maybe_empty_text().prop_map(Field::RaisedBy),
        any::<i32>().prop_map(Field::Rank),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (text(), maybe_empty_text(), sector())
            .prop_map(|(problem, solution, sector)| Op::AddProposal { problem, solution, sector }),
        3 => (any::<usize>(), field()).prop_map(|(pick, field)| Op::EditProposal { pick, field }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(pick, deleted)| Op::SetDeleted { pick, deleted }),
        3 => (prop::sample::select(AttendanceCategory::ALL), delta())
            .prop_map(|(category, delta)| Op::Attendance { category, delta }),
        2 => (any::<usize>(), delta()).prop_map(|(pick, delta)| Op::Votes { pick, delta }),
        2 => (any::<usize>(), fragment()).prop_map(|(at, fragment)| Op::Notes { at, fragment }),
        1 => Just(Op::Close),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(pick, up)| Op::Move { pick, up }),
        1 => (text(), 0i64..5).prop_map(|(name, count)| Op::AddAssociation { name, count }),
        2 => (any::<usize>(), delta()).prop_map(|(pick, delta)| Op::AssociationCount { pick, delta }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(pick, deleted)| Op::AssociationDeleted { pick, deleted }),
        1 => (0u8..4, text()).prop_map(|(which, value)| Op::Detail { which, value }),
    ]
}

/// What every replica did, summed: the merged document must show exactly this.
#[derive(Debug, Default)]
struct Tally {
    created: BTreeSet<Uuid>,
    attendance: BTreeMap<AttendanceCategory, i64>,
    votes: BTreeMap<Uuid, i64>,
    notes_chars: BTreeMap<char, usize>,
    associations: BTreeSet<Uuid>,
    association_counts: BTreeMap<Uuid, i64>,
}

/// The ids of the proposals a replica holds (cheaper than a whole `read`).
fn proposal_ids(doc: &SessionDoc) -> Vec<Uuid> {
    let am = doc.automerge();
    let (_, proposals) = am
        .get(automerge::ROOT, "proposals")
        .unwrap()
        .expect("proposals map");
    am.keys(&proposals)
        .map(|k| k.parse().expect("a UUID key"))
        .collect()
}

fn notes_of(doc: &SessionDoc) -> String {
    let am = doc.automerge();
    let (_, notes) = am
        .get(automerge::ROOT, "notes")
        .unwrap()
        .expect("notes text");
    am.text(&notes).unwrap()
}

/// Applies one operation to a replica. Proposals are picked among those the replica sees.
fn apply(doc: &mut SessionDoc, replica: u8, step: usize, op: &Op, tally: &mut Tally) {
    let ctx = ctx(
        &format!("tablet-{replica}"),
        T0 + 1000 * step as i64 + i64::from(replica),
    );
    let pick = |doc: &SessionDoc, i: usize| {
        let ids = proposal_ids(doc);
        ids[i % ids.len()]
    };
    match op {
        Op::AddProposal {
            problem,
            solution,
            sector,
        } => {
            let id = Uuid::from_u128((u128::from(replica) + 1) << 64 | step as u128);
            let form = ProposalInput {
                problem: problem.clone(),
                solution: solution.clone(),
                sector: sector.clone(),
                douar_id: None,
                raised_by: String::new(),
            };
            doc.add_proposal_with_id(id, &form, &ctx).unwrap();
            tally.created.insert(id);
        }
        Op::EditProposal { pick: i, field } => {
            let id = pick(doc, *i);
            if let Field::Rank(rank) = field {
                doc.set_proposal_rank(id, f64::from(*rank), &ctx).unwrap();
            } else {
                edit(doc, id, &ctx, |f| match field.clone() {
                    Field::Problem(v) => f.problem = v,
                    Field::Solution(v) => f.solution = v,
                    Field::Sector(v) => f.sector = v,
                    Field::Douar(v) => f.douar_id = v,
                    Field::RaisedBy(v) => f.raised_by = v,
                    Field::Rank(_) => unreachable!(),
                });
            }
        }
        Op::SetDeleted { pick: i, deleted } => doc
            .set_proposal_deleted(pick(doc, *i), *deleted, &ctx)
            .unwrap(),
        Op::Attendance { category, delta } => {
            doc.add_attendance(category.clone(), *delta, &ctx).unwrap();
            *tally.attendance.entry(category.clone()).or_default() += delta;
        }
        Op::Votes { pick: i, delta } => {
            let id = pick(doc, *i);
            doc.add_votes(id, *delta, &ctx).unwrap();
            *tally.votes.entry(id).or_default() += delta;
        }
        Op::Notes { at, fragment } => {
            let chars: Vec<char> = notes_of(doc).chars().collect();
            let at = at % (chars.len() + 1);
            let notes: String = chars[..at]
                .iter()
                .chain(fragment.chars().collect::<Vec<_>>().iter())
                .chain(&chars[at..])
                .collect();
            doc.set_notes(&notes, &ctx).unwrap();
            for c in fragment.chars() {
                *tally.notes_chars.entry(c).or_default() += 1;
            }
        }
        Op::Close => doc.close(&ctx).unwrap(),
        Op::Move { pick: i, up } => {
            let live: Vec<Uuid> = doc.read().unwrap().live_proposals().map(|p| p.id).collect();
            if !live.is_empty() {
                let id = live[i % live.len()];
                let moved = doc.move_proposal(id, *up, &ctx).unwrap();
                let after: Vec<Uuid> = doc.read().unwrap().live_proposals().map(|p| p.id).collect();
                let at = live.iter().position(|p| *p == id).unwrap();
                let mut expected = live.clone();
                if moved {
                    let to = if *up { at - 1 } else { at + 1 };
                    expected.swap(at, to);
                }
                assert_eq!(
                    after, expected,
                    "a move swaps with the neighbour, nothing else"
                );
            }
        }
        Op::AddAssociation { name, count } => {
            let id = Uuid::from_u128((u128::from(replica) + 1) << 96 | step as u128);
            doc.add_association_with_id(id, name, *count, &ctx).unwrap();
            tally.associations.insert(id);
            *tally.association_counts.entry(id).or_default() += count;
        }
        Op::AssociationCount { pick: i, delta } => {
            let ids: Vec<Uuid> = doc
                .read()
                .unwrap()
                .associations
                .iter()
                .map(|a| a.id)
                .collect();
            if !ids.is_empty() {
                let id = ids[i % ids.len()];
                doc.add_association_count(id, *delta, &ctx).unwrap();
                *tally.association_counts.entry(id).or_default() += delta;
            }
        }
        Op::AssociationDeleted { pick: i, deleted } => {
            let ids: Vec<Uuid> = doc
                .read()
                .unwrap()
                .associations
                .iter()
                .map(|a| a.id)
                .collect();
            if !ids.is_empty() {
                doc.set_association_deleted(ids[i % ids.len()], *deleted, &ctx)
                    .unwrap();
            }
        }
        Op::Detail { which, value } => {
            let s = doc.read().unwrap();
            let mut details: SessionDetails = s.meta.details.clone();
            let time = format!("{:02}:{:02}", value.chars().count() % 24, (step * 7) % 60);
            match which {
                0 => details.start_time = Some(time),
                1 => details.end_time = Some(time),
                2 => details.place = value.clone(),
                _ => details.note_taker = value.clone(),
            }
            doc.update_meta(&s.meta.opening(&s.douar_ids), &details, &ctx)
                .unwrap();
        }
    }
}

/// The session every replica forks from: two proposals, some counts and notes.
fn genesis() -> SessionDoc {
    let c = |t: i64| ctx("tablet-0", T0 - 10_000 + t);
    let mut g = SessionDoc::create(SESSION_ID, &new_session(), &c(0), Some(actor(0))).unwrap();
    g.add_proposal_with_id(
        Uuid::from_u128(1),
        &input("الطريق", "تعبيد", Some(Sector::Roads)),
        &c(1),
    )
    .unwrap();
    g.add_proposal_with_id(Uuid::from_u128(2), &input("الماء", "", None), &c(2))
        .unwrap();
    g.add_attendance(AttendanceCategory::Women, 2, &c(3))
        .unwrap();
    g.set_notes("بداية\nend", &c(4)).unwrap();
    g
}

fn char_counts(s: &str) -> BTreeMap<char, usize> {
    let mut counts = BTreeMap::new();
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
    }
    counts
}

fn is_subsequence(small: &str, big: &str) -> bool {
    let mut big = big.chars();
    small.chars().all(|c| big.any(|b| b == c))
}

/// What holds of any merge of replicas that all started from `genesis`.
fn check_merge(
    s: &Session,
    genesis: &Session,
    finals: &[Session],
    tally: &Tally,
) -> Result<(), TestCaseError> {
    // The union of every proposal created anywhere, each once.
    let mut expected_ids = ids(genesis);
    expected_ids.extend(&tally.created);
    prop_assert_eq!(ids(s), expected_ids.clone());
    prop_assert_eq!(s.proposals.len(), expected_ids.len());

    // Counters: the sum of every increment, read as at least zero.
    for category in AttendanceCategory::ALL {
        let raw =
            genesis.attendance.0[category] + tally.attendance.get(category).copied().unwrap_or(0);
        prop_assert_eq!(s.attendance.0[category], raw, "raw {}", category);
        prop_assert_eq!(
            s.attendance.get(category.clone()),
            raw.max(0),
            "read {}",
            category
        );
    }
    for p in &s.proposals {
        let base = genesis
            .proposals
            .iter()
            .find(|g| g.id == p.id)
            .map_or(0, |g| g.votes);
        let raw = base + tally.votes.get(&p.id).copied().unwrap_or(0);
        prop_assert_eq!(p.votes, raw.max(0), "votes of {}", p.id);
    }

    // A proposal created offline on one tablet arrives exactly as that tablet left it; one from
    // the genesis has, field by field, a value some tablet held.
    for p in &s.proposals {
        let views: Vec<&Proposal> = finals
            .iter()
            .filter_map(|f| f.proposals.iter().find(|q| q.id == p.id))
            .collect();
        prop_assert!(!views.is_empty());
        if tally.created.contains(&p.id) {
            prop_assert_eq!(views.len(), 1);
            prop_assert_eq!(p, views[0]);
        } else {
            prop_assert!(views.iter().any(|v| v.problem == p.problem));
            prop_assert!(views.iter().any(|v| v.solution == p.solution));
            prop_assert!(views.iter().any(|v| v.sector == p.sector));
            prop_assert!(views.iter().any(|v| v.douar_id == p.douar_id));
            prop_assert!(views.iter().any(|v| v.raised_by == p.raised_by));
            prop_assert!(views.iter().any(|v| v.rank == p.rank));
            prop_assert!(views.iter().any(|v| v.deleted == p.deleted));
        }
    }
    prop_assert!(finals.iter().any(|f| f.meta.closed_at == s.meta.closed_at));
    for p in &s.proposals {
        let held = |f: &Session| {
            f.proposals
                .iter()
                .any(|q| q.id == p.id && q.edited_at == p.edited_at)
        };
        prop_assert!(finals.iter().any(held), "edited_at of {}", p.id);
    }
    check_associations(s, genesis, tally)?;
    let d = &s.meta.details;
    prop_assert!(
        finals
            .iter()
            .any(|f| f.meta.details.start_time == d.start_time)
    );
    prop_assert!(finals.iter().any(|f| f.meta.details.end_time == d.end_time));
    prop_assert!(finals.iter().any(|f| f.meta.details.place == d.place));
    prop_assert!(
        finals
            .iter()
            .any(|f| f.meta.details.note_taker == d.note_taker)
    );

    // Notes: every character typed anywhere is there, and each tablet's text keeps its order.
    let mut expected_chars = char_counts(&genesis.notes);
    for (c, n) in &tally.notes_chars {
        *expected_chars.entry(*c).or_default() += n;
    }
    prop_assert_eq!(char_counts(&s.notes), expected_chars);
    for f in finals {
        prop_assert!(
            is_subsequence(&f.notes, &s.notes),
            "{:?} is not kept in {:?}",
            f.notes,
            s.notes
        );
    }
    Ok(())
}

/// Every association added anywhere is there once (two made under one name stay two), with
/// the sum of every count made on it, read as at least zero.
fn check_associations(s: &Session, genesis: &Session, tally: &Tally) -> Result<(), TestCaseError> {
    let mut expected: BTreeSet<Uuid> = genesis.associations.iter().map(|a| a.id).collect();
    expected.extend(&tally.associations);
    let got: BTreeSet<Uuid> = s.associations.iter().map(|a| a.id).collect();
    prop_assert_eq!(got, expected.clone());
    prop_assert_eq!(s.associations.len(), expected.len());
    for a in &s.associations {
        let base = genesis
            .associations
            .iter()
            .find(|g| g.id == a.id)
            .map_or(0, |g| g.count);
        let raw = base + tally.association_counts.get(&a.id).copied().unwrap_or(0);
        prop_assert_eq!(a.count, raw.max(0), "count of {}", a.id);
    }
    Ok(())
}

/// Three tablets fork from the genesis (the creator, one by file, one by sync), edit offline,
/// then meet, in several orders and over several channels.
fn offline_forks_merge(mut a: SessionDoc, ops: [Vec<Op>; 3]) -> Result<(), TestCaseError> {
    let genesis_session = a.read().unwrap();
    let b = SessionDoc::load(&a.save(), Some(actor(1))).unwrap();
    let mut c = SessionDoc::empty(Some(actor(2)));
    sync_pair(a.automerge_mut(), c.automerge_mut());

    let mut tally = Tally::default();
    let mut replicas = [a, b, c];
    for (r, (doc, ops)) in replicas.iter_mut().zip(&ops).enumerate() {
        for (step, op) in ops.iter().enumerate() {
            apply(doc, r as u8, step, op, &mut tally);
        }
    }
    let [a, b, c] = replicas;
    let finals = [a.read().unwrap(), b.read().unwrap(), c.read().unwrap()];

    // By file, in three orders.
    let abc = merged(&a, &[&b, &c]);
    let cba = merged(&c, &[&b, &a]);
    let b_ca = merged(&b, &[&merged(&c, &[&a])]);
    // By the sync protocol: a chain, and each tablet in turn with an empty server document.
    let (mut sa, mut sb, mut sc) = (a.clone(), b.clone(), c.clone());
    sync_pair(sa.automerge_mut(), sb.automerge_mut());
    sync_pair(sc.automerge_mut(), sb.automerge_mut());
    sync_pair(sa.automerge_mut(), sb.automerge_mut());
    let mut server = SessionDoc::empty(Some(actor(0xFF)));
    for t in [&a, &b, &c] {
        sync_pair(t.clone().automerge_mut(), server.automerge_mut());
    }
    // By loading the three files concatenated.
    let files: Vec<u8> = [a.clone().save(), b.clone().save(), c.clone().save()].concat();
    let loaded = SessionDoc::load(&files, None).unwrap();

    let mut all = [abc, cba, b_ca, sa, sb, sc, server, loaded];
    let s = assert_converged(&mut all);
    check_merge(&s, &genesis_session, &finals, &tally)
}

#[derive(Debug, Clone)]
enum Step {
    Edit(Op),
    /// Sync with another tablet (index offset 1 or 2), keeping the per-peer states.
    SyncWith(usize),
}

fn step() -> impl Strategy<Value = (usize, Step)> {
    (
        0usize..3,
        prop_oneof![6 => op().prop_map(Step::Edit), 1 => (1usize..3).prop_map(Step::SyncWith)],
    )
}

/// Tablets that sync now and then while editing (with states kept between runs, encoded as
/// they are stored) end equal, with every proposal and every count.
fn interleaved_sync_converges(steps: Vec<(usize, Step)>) -> Result<(), TestCaseError> {
    let mut g = genesis();
    let genesis_session = g.read().unwrap();
    let bytes = g.save();
    let mut tablets: Vec<SessionDoc> = (0..3u8)
        .map(|i| SessionDoc::load(&bytes, Some(actor(i + 1))).unwrap())
        .collect();
    let mut states: BTreeMap<(usize, usize), Vec<u8>> = BTreeMap::new();
    let mut tally = Tally::default();

    let mut sync_run = |tablets: &mut Vec<SessionDoc>, i: usize, j: usize| {
        let mut si = sync::decode_state(states.get(&(i, j)).map(Vec::as_slice));
        let mut sj = sync::decode_state(states.get(&(j, i)).map(Vec::as_slice));
        let (lo, hi) = (i.min(j), i.max(j));
        let (left, right) = tablets.split_at_mut(hi);
        let (x, y) = (&mut left[lo], &mut right[0]);
        if i < j {
            sync_with(x.automerge_mut(), &mut si, y.automerge_mut(), &mut sj);
        } else {
            sync_with(y.automerge_mut(), &mut si, x.automerge_mut(), &mut sj);
        }
        states.insert((i, j), sync::encode_state(&si));
        states.insert((j, i), sync::encode_state(&sj));
    };

    for (n, (t, step)) in steps.iter().enumerate() {
        match step {
            Step::Edit(op) => apply(&mut tablets[*t], *t as u8, n, op, &mut tally),
            Step::SyncWith(k) => sync_run(&mut tablets, *t, (t + k) % 3),
        }
    }
    let finals: Vec<Session> = tablets.iter().map(|t| t.read().unwrap()).collect();
    sync_run(&mut tablets, 0, 1);
    sync_run(&mut tablets, 1, 2);
    sync_run(&mut tablets, 2, 0);
    sync_run(&mut tablets, 0, 1);
    let s = assert_converged(&mut tablets);

    let mut expected_ids = ids(&genesis_session);
    expected_ids.extend(&tally.created);
    prop_assert_eq!(ids(&s), expected_ids.clone());
    prop_assert_eq!(s.proposals.len(), expected_ids.len());
    for category in AttendanceCategory::ALL {
        let raw = genesis_session.attendance.0[category]
            + tally.attendance.get(category).copied().unwrap_or(0);
        prop_assert_eq!(s.attendance.0[category], raw);
        prop_assert_eq!(s.attendance.get(category.clone()), raw.max(0));
    }
    for p in &s.proposals {
        prop_assert_eq!(p.votes, tally.votes.get(&p.id).copied().unwrap_or(0).max(0));
    }
    check_associations(&s, &genesis_session, &tally)?;
    let mut expected_chars = char_counts(&genesis_session.notes);
    for (c, n) in &tally.notes_chars {
        *expected_chars.entry(*c).or_default() += n;
    }
    prop_assert_eq!(char_counts(&s.notes), expected_chars);
    for f in &finals {
        prop_assert!(is_subsequence(&f.notes, &s.notes));
    }
    Ok(())
}

proptest! {
    // No regression file: this test binary owns no file besides itself. A failure prints the
    // minimal case; paste it into a concrete test.
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_offline_edits_on_three_tablets_merge_in_any_order(
        a in prop::collection::vec(op(), 0..=20),
        b in prop::collection::vec(op(), 0..=20),
        c in prop::collection::vec(op(), 0..=20),
    ) {
        offline_forks_merge(genesis(), [a, b, c])?;
    }

    /// The same, from a real v1 document (no `associations` map: the first association on
    /// each tablet creates one, and the merge must keep them all).
    #[test]
    fn random_offline_edits_of_a_v1_document_merge(
        a in prop::collection::vec(op(), 0..=12),
        b in prop::collection::vec(op(), 0..=12),
        c in prop::collection::vec(op(), 0..=12),
    ) {
        let v1 = SessionDoc::load(include_bytes!("data/session-v1.automerge"), Some(actor(0))).unwrap();
        offline_forks_merge(v1, [a, b, c])?;
    }

    #[test]
    fn random_edits_with_syncs_in_between_converge(steps in prop::collection::vec(step(), 0..=45)) {
        interleaved_sync_converges(steps)?;
    }
}
