//! The incremental projection (issue 17) against the whole one: random sequences of real
//! edits (the `SessionDoc` methods tablets call) on two tablets per session, synced to a
//! server-side document now from one tablet, now from both at once (their concurrent changes
//! arrive together), with invalid steps among them (a text past the limit written through raw
//! Automerge, a proposal id another session holds, an entry removed from the proposals map).
//! After each sync the server projects incrementally (`project_or_quarantine` with the heads
//! before), as `persist_changes` does, into a real SQLite file; then, in a savepoint, the
//! whole projection of the same document: every column of every projected table (of every
//! session), the verdict and the quarantine reason must be the same. Only `updated_at` (a
//! clock) and `quarantined_at` are left out.

use automerge::{ActorId, AutoCommit, ChangeHash, ObjType, ReadDoc, transaction::Transactable};
use proptest::prelude::*;
use rusqlite::{Transaction, types::ValueRef};
use tachkhis_server::{Db, documents::store, http::error::AppResult};
use tachkhis_shared::{
    AttendanceCategory, GroupKind, PhotoKind, Sector,
    session::{
        EditCtx, MAX_TEXT_CHARS, NewSession, OpeningChoices, PhotoInput, ProposalInput, SessionDoc,
    },
    sync::DocStatus,
};
use uuid::Uuid;

/// Douars the server knows (the others are projected as unknown).
const KNOWN_DOUARS: &[&str] = &["idouz", "ait-abbou", "ait-lami"];
const DOUARS: &[&str] = &["idouz", "ait-abbou", "ait-lami", "douar-inconnu"];

#[derive(Debug, Clone)]
enum Edit {
    AddProposal {
        text: u8,
        douar: u8,
    },
    UpdateProposal {
        which: u8,
        text: u8,
        douar: u8,
    },
    DeleteProposal {
        which: u8,
        deleted: bool,
    },
    Vote {
        which: u8,
        delta: i8,
    },
    Move {
        which: u8,
        to: u8,
    },
    Attendance {
        category: u8,
        delta: i8,
    },
    TypeAttendance {
        category: u8,
        typed: u8,
    },
    AddAssociation {
        name: u8,
    },
    AssociationCount {
        which: u8,
        delta: i8,
    },
    RenameAssociation {
        which: u8,
        name: u8,
    },
    DeleteAssociation {
        which: u8,
        deleted: bool,
    },
    Douars {
        pick: u8,
    },
    Details {
        place: u8,
    },
    Correct {
        pick: u8,
        group: u8,
    },
    Close,
    Notes {
        text: u8,
    },
    AddPhoto {
        which: u8,
    },
    DescribePhoto {
        which: u8,
        caption: u8,
    },
    DeletePhoto {
        which: u8,
        deleted: bool,
    },
    /// A problem one character past the limit, written as a broken app would.
    RawLongText {
        which: u8,
    },
    /// A proposal under an id the other session already holds.
    ReuseOtherId {
        which: u8,
    },
    /// The entry removed from the proposals map (the app marks deleted instead).
    RawRemoveEntry {
        which: u8,
    },
}

#[derive(Debug, Clone)]
enum Step {
    Edit {
        session: u8,
        tablet: u8,
        edit: Edit,
    },
    /// Tablet 0, 1 or both (2) send their changes; the server projects; they get the merge.
    Sync {
        session: u8,
        tablets: u8,
    },
}

/// Mostly edits a tablet makes; now and then one a broken app makes (each sets the session
/// aside until a later edit brings it back within the rules, if one does).
fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        12 => valid_edit(),
        1 => prop_oneof![
            any::<u8>().prop_map(|which| Edit::RawLongText { which }),
            any::<u8>().prop_map(|which| Edit::ReuseOtherId { which }),
            any::<u8>().prop_map(|which| Edit::RawRemoveEntry { which }),
        ],
    ]
}

fn valid_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<u8>(), any::<u8>()).prop_map(|(text, douar)| Edit::AddProposal { text, douar }),
        3 => (any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(which, text, douar)| Edit::UpdateProposal { which, text, douar }),
        1 => (any::<u8>(), any::<bool>())
            .prop_map(|(which, deleted)| Edit::DeleteProposal { which, deleted }),
        3 => (any::<u8>(), -2i8..=3).prop_map(|(which, delta)| Edit::Vote { which, delta }),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(which, to)| Edit::Move { which, to }),
        2 => (any::<u8>(), -2i8..=3)
            .prop_map(|(category, delta)| Edit::Attendance { category, delta }),
        1 => (any::<u8>(), 0u8..40)
            .prop_map(|(category, typed)| Edit::TypeAttendance { category, typed }),
        1 => any::<u8>().prop_map(|name| Edit::AddAssociation { name }),
        1 => (any::<u8>(), -2i8..=3)
            .prop_map(|(which, delta)| Edit::AssociationCount { which, delta }),
        1 => (any::<u8>(), any::<u8>())
            .prop_map(|(which, name)| Edit::RenameAssociation { which, name }),
        1 => (any::<u8>(), any::<bool>())
            .prop_map(|(which, deleted)| Edit::DeleteAssociation { which, deleted }),
        1 => any::<u8>().prop_map(|pick| Edit::Douars { pick }),
        1 => any::<u8>().prop_map(|place| Edit::Details { place }),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(pick, group)| Edit::Correct { pick, group }),
        1 => Just(Edit::Close),
        1 => any::<u8>().prop_map(|text| Edit::Notes { text }),
        1 => any::<u8>().prop_map(|which| Edit::AddPhoto { which }),
        1 => (any::<u8>(), any::<u8>())
            .prop_map(|(which, caption)| Edit::DescribePhoto { which, caption }),
        1 => (any::<u8>(), any::<bool>())
            .prop_map(|(which, deleted)| Edit::DeletePhoto { which, deleted }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0u8..2, 0u8..2, edit()).prop_map(|(session, tablet, edit)| Step::Edit { session, tablet, edit }),
        1 => (0u8..2, 0u8..3).prop_map(|(session, tablets)| Step::Sync { session, tablets }),
    ]
}

struct Session {
    id: Uuid,
    server: AutoCommit,
    /// Whether the server has a `documents` row for it yet.
    stored: bool,
    tablets: [SessionDoc; 2],
    /// Every proposal id and association id a tablet of this session made.
    proposals: Vec<Uuid>,
    associations: Vec<Uuid>,
}

struct World {
    _dir: tempfile::TempDir,
    db: Db,
    sessions: [Session; 2],
    clock: i64,
    /// Syncs whose projection took the incremental way.
    incremental: usize,
}

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

fn text(n: u8) -> String {
    [
        "الما ماكاينش فالدوار",
        "Piste impraticable en hiver",
        "نقص في مياه الشرب",
        "مدرسة بعيدة",
    ][usize::from(n) % 4]
        .to_string()
        + &"!".repeat(usize::from(n) % 3)
}

fn photo_hash(n: u8) -> String {
    format!("{:064x}", u64::from(n % 5) + 1)
}

fn pick<T: Clone>(list: &[T], n: u8) -> Option<T> {
    (!list.is_empty()).then(|| list[usize::from(n) % list.len()].clone())
}

fn douars_of(pick: u8) -> Vec<String> {
    // One to three douars of `DOUARS`, in an order that depends on `pick`.
    let n = 1 + usize::from(pick) % 3;
    (0..n)
        .map(|i| DOUARS[(usize::from(pick / 3) + i) % DOUARS.len()].to_string())
        .collect()
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("projection.db")).unwrap();
        db.write_blocking(|tx| {
            tx.execute_batch(
                "INSERT OR IGNORE INTO communes (id, name_ar, name_fr) VALUES ('c', 'ج', 'C');
                 INSERT OR IGNORE INTO poles (id, commune_id, position, name_ar, name_fr)
                     VALUES ('pole-3', 'c', 3, 'ق٣', 'Pôle 3');",
            )?;
            for (i, d) in KNOWN_DOUARS.iter().enumerate() {
                tx.execute(
                    "INSERT OR IGNORE INTO douars (id, pole_id, position, name_ar, name_fr, name_norm)
                     VALUES (?1, 'pole-3', ?2, ?1, ?1, ?1)",
                    rusqlite::params![d, i as i64],
                )?;
            }
            Ok(())
        })
        .unwrap();
        let ctx = EditCtx::new("فاطمة", 1_700_000_000_000);
        // A new v2 session, and the real v1 document of `shared/tests` (no `associations` map:
        // the first association creates one; no `photos` map either).
        let v2_id = Uuid::new_v4();
        let init = NewSession {
            pole_id: "pole-3".into(),
            douar_ids: vec!["idouz".into(), "douar-inconnu".into()],
            group_kind: GroupKind::Women,
            date: "2023-11-14".into(),
            facilitators: "فاطمة".into(),
        };
        let v2 = SessionDoc::create(v2_id, &init, &ctx, Some(actor(1))).unwrap();
        let v1_bytes = include_bytes!("../../shared/tests/data/session-v1.automerge");
        let v1 = SessionDoc::load(v1_bytes, Some(actor(3))).unwrap();
        let v1_id = v1.read().unwrap().id;
        let session = |id: Uuid, first: SessionDoc, n: u8| Session {
            id,
            server: AutoCommit::new(),
            stored: false,
            tablets: [first, SessionDoc::empty(Some(actor(n)))],
            proposals: Vec::new(),
            associations: Vec::new(),
        };
        let mut world = World {
            _dir: dir,
            db,
            sessions: [session(v2_id, v2, 2), session(v1_id, v1, 4)],
            clock: 1_700_000_100_000,
            incremental: 0,
        };
        world.sessions[1].proposals = world.sessions[1].tablets[0]
            .read()
            .unwrap()
            .proposals
            .iter()
            .map(|p| p.id)
            .collect();
        world
    }

    fn ctx(&mut self, tablet: u8) -> EditCtx {
        self.clock += 60_000;
        EditCtx::new(["فاطمة", "خديجة"][usize::from(tablet)], self.clock)
    }

    fn edit(&mut self, s: usize, t: u8, edit: &Edit) {
        let ctx = self.ctx(t);
        let other_ids = self.sessions[1 - s].proposals.clone();
        let session = &mut self.sessions[s];
        let doc = &mut session.tablets[usize::from(t)];
        if doc.is_empty() {
            // This tablet has not received the session yet.
            return;
        }
        let proposal = |n: u8| pick(&session.proposals, n);
        let association = |n: u8| pick(&session.associations, n);
        let category =
            |n: u8| AttendanceCategory::ALL[usize::from(n) % AttendanceCategory::ALL.len()].clone();
        let input = |text_n: u8, douar: u8| ProposalInput {
            problem: text(text_n),
            solution: text(text_n.wrapping_add(1)),
            sector: [None, Some(Sector::Roads), Some(Sector::DrinkingWater)]
                [usize::from(douar) % 3]
                .clone(),
            douar_id: (!douar.is_multiple_of(5))
                .then(|| DOUARS[usize::from(douar) % DOUARS.len()].to_string()),
            raised_by: text(douar),
        };
        // A write the document refuses (an unknown id on this tablet, a bound) changes nothing:
        // the step is then a no-op, as on a tablet.
        match edit {
            Edit::AddProposal { text, douar } => {
                if let Ok(id) = doc.add_proposal(&input(*text, *douar), &ctx) {
                    session.proposals.push(id);
                }
            }
            Edit::UpdateProposal { which, text, douar } => {
                if let Some(id) = proposal(*which) {
                    let _ = doc.update_proposal(id, &input(*text, *douar), &ctx);
                }
            }
            Edit::DeleteProposal { which, deleted } => {
                if let Some(id) = proposal(*which) {
                    let _ = doc.set_proposal_deleted(id, *deleted, &ctx);
                }
            }
            Edit::Vote { which, delta } => {
                if let Some(id) = proposal(*which) {
                    let _ = doc.add_votes(id, i64::from(*delta), &ctx);
                }
            }
            Edit::Move { which, to } => {
                if let Some(id) = proposal(*which) {
                    let _ = doc.move_proposal_to(id, usize::from(*to % 8), &ctx);
                }
            }
            Edit::Attendance { category: c, delta } => {
                let _ = doc.add_attendance(category(*c), i64::from(*delta), &ctx);
            }
            Edit::TypeAttendance { category: c, typed } => {
                let c = category(*c);
                let shown = doc.read().map(|s| s.attendance.get(c.clone())).unwrap_or(0);
                let _ = doc.type_attendance(c, shown, i64::from(*typed), &ctx);
            }
            Edit::AddAssociation { name } => {
                if let Ok(id) = doc.add_association(&text(*name), i64::from(*name % 7), &ctx) {
                    session.associations.push(id);
                }
            }
            Edit::AssociationCount { which, delta } => {
                if let Some(id) = association(*which) {
                    let _ = doc.add_association_count(id, i64::from(*delta), &ctx);
                }
            }
            Edit::RenameAssociation { which, name } => {
                if let Some(id) = association(*which) {
                    let _ = doc.rename_association(id, &text(*name), &ctx);
                }
            }
            Edit::DeleteAssociation { which, deleted } => {
                if let Some(id) = association(*which) {
                    let _ = doc.set_association_deleted(id, *deleted, &ctx);
                }
            }
            Edit::Douars { pick } => {
                if let Ok((meta, _)) = doc.read_meta() {
                    let init = NewSession {
                        douar_ids: douars_of(*pick),
                        ..meta.opening(&[])
                    };
                    let _ = doc.update_meta(&init, &meta.details, &ctx);
                }
            }
            Edit::Details { place } => {
                let _ = doc.update_details(
                    |d| {
                        d.place = text(*place);
                        d.start_time = place.is_multiple_of(2).then(|| "09:30".to_string());
                    },
                    &ctx,
                );
            }
            Edit::Correct { pick, group } => {
                let to = OpeningChoices {
                    pole_id: ["pole-3", "pole-4"][usize::from(*group) % 2].into(),
                    douar_ids: douars_of(*pick),
                    group_kind: [GroupKind::Women, GroupKind::Youth][usize::from(*group / 2) % 2]
                        .clone(),
                };
                let _ = doc.correct_opening(&to, &ctx);
            }
            Edit::Close => {
                let _ = doc.close(&ctx);
            }
            Edit::Notes { text: n } => {
                let _ = doc.set_notes(&format!("{}\n{}", text(*n), text(n.wrapping_mul(7))), &ctx);
            }
            Edit::AddPhoto { which } => {
                let input = PhotoInput {
                    hash: photo_hash(*which),
                    kind: PhotoKind::FlipChart,
                    caption: text(*which),
                    bytes: 1000 + u64::from(*which),
                    mime: "image/webp".into(),
                };
                let _ = doc.add_photo(&input, &ctx);
            }
            Edit::DescribePhoto { which, caption } => {
                let _ = doc.describe_photo(
                    &photo_hash(*which),
                    &PhotoKind::Meeting,
                    &text(*caption),
                    &ctx,
                );
            }
            Edit::DeletePhoto { which, deleted } => {
                let _ = doc.set_photo_deleted(&photo_hash(*which), *deleted, &ctx);
            }
            Edit::RawLongText { which } => {
                if let Some(id) = proposal(*which) {
                    raw(doc, id, |d, p| {
                        d.put(p, "problem", "م".repeat(MAX_TEXT_CHARS + 1)).unwrap();
                    });
                }
            }
            Edit::ReuseOtherId { which } => {
                if let Some(id) = pick(&other_ids, *which)
                    && doc
                        .add_proposal_with_id(id, &input(*which, 1), &ctx)
                        .is_ok()
                {
                    session.proposals.push(id);
                }
            }
            Edit::RawRemoveEntry { which } => {
                if let Some(id) = proposal(*which) {
                    let d = doc.automerge_mut();
                    let (_, props) = d.get(automerge::ROOT, "proposals").unwrap().unwrap();
                    if d.get(&props, id.to_string()).unwrap().is_some() {
                        d.delete(&props, id.to_string()).unwrap();
                        d.commit();
                    }
                }
            }
        }
    }

    /// The chosen tablets send their changes together; the server projects as a sync does
    /// and checks the result against the whole projection; the tablets get the merge.
    fn sync(&mut self, s: usize, tablets: u8) -> Result<(), TestCaseError> {
        let session = &mut self.sessions[s];
        let chosen: Vec<usize> = match tablets {
            0 => vec![0],
            1 => vec![1],
            _ => vec![0, 1],
        };
        let before = session.server.get_heads();
        for &t in &chosen {
            session
                .server
                .merge(session.tablets[t].automerge_mut())
                .unwrap();
        }
        let changed = session.server.get_heads() != before;
        if changed {
            let (id, stored) = (session.id, session.stored);
            let server = &mut session.server;
            let outcome = self
                .db
                .write_blocking(|tx| check_projection(tx, id, stored, server, &before))
                .unwrap();
            session.stored = true;
            self.incremental += usize::from(outcome?);
        }
        let server = &mut session.server;
        for &t in &chosen {
            session.tablets[t].automerge_mut().merge(server).unwrap();
        }
        Ok(())
    }
}

/// Writes a raw change to proposal `id`'s map, as an app that skips the checks would.
fn raw(doc: &mut SessionDoc, id: Uuid, f: impl FnOnce(&mut AutoCommit, &automerge::ObjId)) {
    let d = doc.automerge_mut();
    let (_, props) = d.get(automerge::ROOT, "proposals").unwrap().unwrap();
    if let Some((automerge::Value::Object(ObjType::Map), p)) =
        d.get(&props, id.to_string()).unwrap()
    {
        f(d, &p);
        d.commit();
    }
}

/// Every projected row of every session (but the clocks), and every document's verdict.
fn snapshot(tx: &Transaction<'_>) -> AppResult<Vec<String>> {
    let queries = [
        "SELECT 'session', id, pole_id, group_kind, date, facilitators, notes, created_at, created_by,
                closed_at, present, schema_version, start_time, end_time, place, note_taker,
                edited_after_close FROM sessions ORDER BY id",
        "SELECT 'douar', * FROM session_douars ORDER BY session_id, douar_id",
        "SELECT 'attendance', * FROM attendance ORDER BY session_id, category",
        "SELECT 'proposal', id, session_id, problem, solution, problem_norm, solution_norm, sector,
                douar_id, raised_by, created_at, created_by, deleted, rank, votes, edited_at,
                edited_after_close, douar_unknown FROM proposals ORDER BY id",
        "SELECT 'association', * FROM session_associations ORDER BY session_id, association_id",
        "SELECT 'photo', * FROM session_photos ORDER BY session_id, hash",
        "SELECT 'document', id, quarantine_reason FROM documents ORDER BY id",
    ];
    let mut rows = Vec::new();
    for sql in queries {
        let mut stmt = tx.prepare(sql)?;
        let n = stmt.column_count();
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let cells: Vec<String> = (0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    ValueRef::Null => "NULL".to_string(),
                    ValueRef::Integer(n) => n.to_string(),
                    ValueRef::Real(x) => format!("{x:?}"),
                    ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
                    ValueRef::Blob(b) => format!("{b:02x?}"),
                })
                .collect();
            rows.push(cells.join(" | "));
        }
    }
    Ok(rows)
}

fn check_projection(
    tx: &Transaction<'_>,
    id: Uuid,
    stored: bool,
    server: &mut AutoCommit,
    before: &[ChangeHash],
) -> AppResult<Result<bool, TestCaseError>> {
    if !stored {
        tx.execute(
            "INSERT INTO documents (id, heads, created_at, updated_at) VALUES (?1, x'', 0, 0)",
            [id.to_string()],
        )?;
    }
    // Which way the sync takes, probed and rolled back (counted, and checked below).
    tx.execute_batch("SAVEPOINT probe")?;
    let mut view = SessionDoc::from_automerge(server.fork());
    let incremental =
        before.is_empty() || store::project_changes(tx, id, &mut view, before)?.is_ok();
    tx.execute_batch("ROLLBACK TO probe; RELEASE probe")?;
    let incremental = incremental && !before.is_empty();

    let status = store::project_or_quarantine(tx, id, server, Some(before))?;
    let after_sync = snapshot(tx)?;
    tx.execute_batch("SAVEPOINT whole")?;
    let whole_status = store::project_or_quarantine(tx, id, server, None)?;
    let whole = snapshot(tx)?;
    tx.execute_batch("ROLLBACK TO whole; RELEASE whole")?;
    let check = (|| {
        prop_assert_eq!(&status, &whole_status);
        if incremental {
            prop_assert_eq!(&status, &DocStatus::Ok);
        }
        for (a, b) in after_sync.iter().zip(&whole) {
            prop_assert_eq!(a, b, "incremental (left) and whole (right) differ");
        }
        prop_assert_eq!(after_sync.len(), whole.len());
        Ok(incremental)
    })();
    Ok(check)
}

fn run(steps: &[Step]) -> Result<(), TestCaseError> {
    let mut world = World::new();
    // Both sessions reach the server from their first tablet, then the second gets them.
    for s in 0..2 {
        world.sync(s, 0)?;
        world.sync(s, 1)?;
    }
    for step in steps {
        match step {
            Step::Edit {
                session,
                tablet,
                edit,
            } => world.edit(usize::from(*session), *tablet, edit),
            Step::Sync { session, tablets } => world.sync(usize::from(*session), *tablets)?,
        }
    }
    for s in 0..2 {
        world.sync(s, 2)?;
    }
    Ok(())
}

proptest! {
    // No regression file (the test binary owns no file besides itself): a failure prints the
    // minimal case; paste it into a concrete test.
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn incremental_projection_equals_the_whole_one(steps in prop::collection::vec(step(), 1..=60)) {
        run(&steps)?;
    }
}

/// Each ordinary edit takes the incremental way; what it cannot show equal goes whole.
#[test]
fn ordinary_edits_take_the_incremental_way() {
    let mut world = World::new();
    for s in 0..2 {
        world.sync(s, 0).unwrap();
    }
    let way = |world: &mut World, edit: Edit| -> bool {
        let before = world.incremental;
        world.edit(0, 0, &edit);
        world.sync(0, 0).unwrap();
        world.incremental > before
    };
    assert!(way(&mut world, Edit::AddProposal { text: 1, douar: 1 }));
    assert!(way(&mut world, Edit::AddProposal { text: 2, douar: 3 }));
    assert!(way(&mut world, Edit::Vote { which: 0, delta: 2 }));
    assert!(way(
        &mut world,
        Edit::UpdateProposal {
            which: 1,
            text: 3,
            douar: 2
        }
    ));
    assert!(way(&mut world, Edit::Move { which: 1, to: 0 }));
    assert!(way(
        &mut world,
        Edit::DeleteProposal {
            which: 0,
            deleted: true
        }
    ));
    assert!(way(
        &mut world,
        Edit::Attendance {
            category: 1,
            delta: 3
        }
    ));
    assert!(way(&mut world, Edit::AddAssociation { name: 2 }));
    assert!(way(
        &mut world,
        Edit::AssociationCount { which: 0, delta: 1 }
    ));
    assert!(way(&mut world, Edit::Notes { text: 5 }));
    assert!(way(&mut world, Edit::AddPhoto { which: 1 }));
    assert!(way(&mut world, Edit::Douars { pick: 4 }));
    assert!(way(&mut world, Edit::Details { place: 3 }));
    assert!(way(&mut world, Edit::Correct { pick: 7, group: 3 }));
    // Closing changes every proposal's `edited_after_close`: whole. After it, incremental
    // again, and the count of proposals edited after closing follows.
    assert!(!way(&mut world, Edit::Close));
    assert!(way(&mut world, Edit::Vote { which: 1, delta: 1 }));
    // Past the limit: whole, set aside; back within it: whole (it was set aside), projected.
    assert!(!way(&mut world, Edit::RawLongText { which: 1 }));
    assert!(!way(
        &mut world,
        Edit::UpdateProposal {
            which: 1,
            text: 0,
            douar: 1
        }
    ));
    assert!(way(&mut world, Edit::Vote { which: 1, delta: 1 }));
    // Another session's proposal id: whole, set aside.
    assert!(!way(&mut world, Edit::ReuseOtherId { which: 0 }));
    let reason: Option<String> = world
        .db
        .read_blocking(|tx| {
            Ok(tx.query_row(
                "SELECT quarantine_reason FROM documents WHERE id = ?1",
                [world.sessions[0].id.to_string()],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(reason.is_some_and(|r| r.contains("already belongs to session")));
}
