//! Documents of every earlier schema version still read, edit and merge.
//!
//! `data/session-v1.automerge` is a real schema-v1 document, written by the v1 code itself
//! (`shared/examples/freeze_v1.rs` at commit 9091546, removed afterwards): a women's session
//! in two douars with attendance counted on two tablets, three proposals (one deleted, one
//! moved to the top, votes), notes, closed. Never regenerate it: it stands for the documents
//! already on tablets and on the server.

use automerge::{ActorId, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use tachkhis_shared::session::{EditCtx, ProposalInput, SessionDetails, SessionDoc};
use tachkhis_shared::{AttendanceCategory, GroupKind, Sector};
use uuid::Uuid;

const V1: &[u8] = include_bytes!("data/session-v1.automerge");
const T0: i64 = 1_657_800_000_000;

fn pid(n: u128) -> Uuid {
    Uuid::parse_str(&format!("00000000-0000-4000-8000-{n:012}")).unwrap()
}

fn v1(actor: u8) -> SessionDoc {
    SessionDoc::load(V1, Some(ActorId::from([actor; 16]))).expect("the v1 bytes load")
}

#[test]
fn a_v1_document_reads_every_field() {
    let s = v1(1).read().expect("v1 follows the schema");
    assert_eq!(s.schema, 1);
    assert_eq!(
        s.id,
        Uuid::parse_str("7b7a3f0e-3c1d-4e55-9a51-0d7f5a1e2c01").unwrap()
    );
    assert_eq!(s.meta.pole_id, "pole-1");
    assert_eq!(s.meta.group_kind, GroupKind::Women);
    assert_eq!(s.meta.date, "2022-07-14");
    assert_eq!(s.meta.facilitators, "فاطمة الزهراء، Khadija");
    assert_eq!(s.meta.created_at, T0);
    assert_eq!(s.meta.created_by, "fatima");
    assert_eq!(s.meta.closed_at, Some(T0 + 90 * 60_000));
    // Keys v2 added read as their defaults.
    assert_eq!(s.meta.details, SessionDetails::default());
    assert!(s.associations.is_empty());
    assert!(s.proposals.iter().all(|p| p.edited_at.is_none()));

    let mut douars = s.douar_ids.clone();
    douars.sort();
    assert_eq!(douars, ["el-jrif", "idouz"]);
    let att = |c| s.attendance.get(c);
    // 23 counted on the first tablet and 2 on the second, merged.
    assert_eq!(att(AttendanceCategory::Women), 25);
    assert_eq!(att(AttendanceCategory::Men), 4);
    assert_eq!(att(AttendanceCategory::YouthWomen), 9);
    assert_eq!(att(AttendanceCategory::YouthMen), 2);
    assert_eq!(att(AttendanceCategory::DisabledWomen), 1);
    assert_eq!(att(AttendanceCategory::DisabledMen), 0);
    assert_eq!(s.attendance.total(), 29);

    // Highest rank first: the road was moved to the top.
    let order: Vec<Uuid> = s.proposals.iter().map(|p| p.id).collect();
    assert_eq!(order, [pid(1), pid(3), pid(2)]);
    let road = &s.proposals[0];
    assert_eq!(road.problem, "الطريق مقطوعة في الشتاء");
    assert_eq!(
        road.solution,
        "تهيئة المسلك الرابط بين ادوز والطريق الاقليمية"
    );
    assert_eq!(road.sector, Some(Sector::Roads));
    assert_eq!(road.douar_id.as_deref(), Some("idouz"));
    assert_eq!(road.raised_by, "النساء الشابات");
    assert_eq!(road.votes, 7);
    assert_eq!(road.rank, (T0 + 60 * 60_000) as f64);
    assert_eq!(road.created_at, T0 + 10 * 60_000);
    assert!(!road.deleted);
    let water = &s.proposals[2];
    assert_eq!(water.problem, "Pas d'eau potable l'été");
    assert_eq!(water.sector, Some(Sector::DrinkingWater));
    assert_eq!(water.votes, 3);
    assert_eq!(water.raised_by, "");
    let tifinagh = &s.proposals[1];
    assert_eq!(tifinagh.problem, "ⴰⵙⵉⴼ ⵉⵜⵜⴰⵣⴰⵏ");
    assert_eq!(tifinagh.solution, "asif: bni tiqnatirt");
    assert_eq!(
        (tifinagh.sector.clone(), tifinagh.douar_id.as_deref()),
        (None, None)
    );
    assert!(tifinagh.deleted);
    assert_eq!(s.live_proposals().count(), 2);
    assert_eq!(s.notes, "الاجتماع في دار الجمعية.\nNotes: réunion calme.");
    // Nothing in a v1 document is known to be edited after closing.
    assert!(s.proposals.iter().all(|p| !s.edited_after_close(p)));
}

/// Every (path, kind) of a document's tree: what a reader of that version relies on.
fn shape(d: &automerge::AutoCommit) -> Vec<(String, String)> {
    fn walk(d: &automerge::AutoCommit, obj: &ObjId, path: &str, out: &mut Vec<(String, String)>) {
        for item in d.map_range(obj, ..) {
            let p = format!("{path}/{}", item.key);
            let kind = match item.value.clone().into_value() {
                Value::Object(t) => {
                    let id = item.id();
                    if t == ObjType::Map {
                        walk(d, &id, &p, out);
                    }
                    format!("{t:?}")
                }
                Value::Scalar(s) => match s.as_ref() {
                    ScalarValue::Str(_) => "str".into(),
                    ScalarValue::Int(_) | ScalarValue::Uint(_) | ScalarValue::Timestamp(_) => {
                        "int".into()
                    }
                    ScalarValue::F64(_) => "f64".into(),
                    ScalarValue::Counter(_) => "counter".into(),
                    ScalarValue::Boolean(_) => "bool".into(),
                    ScalarValue::Null => "null".into(),
                    other => format!("{other:?}"),
                },
            };
            out.push((p, kind));
        }
    }
    let mut out = Vec::new();
    walk(d, &automerge::ROOT, "", &mut out);
    out
}

#[test]
fn a_v1_document_edited_by_v2_code_keeps_what_v1_readers_read() {
    let mut doc = v1(2);
    let v1_shape = shape(doc.automerge());
    let ctx = EditCtx::new("aicha", T0 + 24 * 3_600_000);
    let details = SessionDetails {
        start_time: Some("09:30".into()),
        end_time: Some("12:15".into()),
        place: "مدرسة ادوز".into(),
        note_taker: "Aïcha".into(),
    };
    let s = doc.read().unwrap();
    doc.update_meta(&s.meta.opening(&s.douar_ids), &details, &ctx)
        .unwrap();
    let coop = doc.add_association("تعاونية تيفاوين", 3, &ctx).unwrap();
    doc.add_association_count(coop, 1, &ctx).unwrap();
    let mut form = ProposalInput {
        problem: "Pas d'eau potable l'été".into(),
        solution: "Branchement au réseau de l'ONEE et citerne".into(),
        sector: Some(Sector::DrinkingWater),
        douar_id: Some("el-jrif".into()),
        raised_by: "jeunes femmes".into(),
    };
    doc.update_proposal(pid(2), &form, &ctx).unwrap();
    doc.move_proposal(pid(2), true, &ctx).unwrap();
    doc.add_votes(pid(1), 1, &ctx).unwrap();
    form.problem = "ⵜⴰⵖⵉⵡⴰⵏⵜ".into();
    let added = doc.add_proposal(&form, &ctx).unwrap();

    // Only keys were added: every v1 path keeps its kind, and the version stays 1 so a tablet
    // still on the v1 app reads it.
    let after = shape(doc.automerge());
    for entry in &v1_shape {
        assert!(after.contains(entry), "{entry:?} changed");
    }
    let s = SessionDoc::load(&doc.save(), None).unwrap().read().unwrap();
    assert_eq!(s.schema, 1);
    assert_eq!(s.meta.details, details);
    assert_eq!(s.associations.len(), 1);
    assert_eq!((s.associations[0].id, s.associations[0].count), (coop, 4));
    let water = s.proposals.iter().find(|p| p.id == pid(2)).unwrap();
    assert_eq!(water.solution, "Branchement au réseau de l'ONEE et citerne");
    assert_eq!(water.raised_by, "jeunes femmes");
    assert_eq!(water.edited_at, Some(ctx.now_ms));
    // The session was closed the day before: these edits are known as made after closing.
    assert!(s.edited_after_close(water));
    let road = s.proposals.iter().find(|p| p.id == pid(1)).unwrap();
    assert_eq!(road.votes, 8);
    assert!(s.edited_after_close(road));
    assert!(
        s.live_proposals()
            .any(|p| p.id == added && p.problem == "ⵜⴰⵖⵉⵡⴰⵏⵜ")
    );
    // Moved one place up among the live ones: water now above the road; the new one last
    // (the v1 ranks, creation times, stay as they were).
    let live: Vec<Uuid> = s.live_proposals().map(|p| p.id).collect();
    assert_eq!(live, [pid(2), pid(1), added]);
}

/// A tablet still holding the v1 document and another running v2 code record associations
/// offline: the first association of each creates the `associations` map on its own. Both
/// maps survive the merge, and counts made on either after the merge add up.
#[test]
fn v1_document_merges_with_v2_edits_from_two_tablets() {
    let (mut a, mut b) = (v1(0xA), v1(0xB));
    let ca = EditCtx::new("fatima", T0 + 100 * 60_000);
    let cb = EditCtx::new("khadija", T0 + 100 * 60_000 + 7);
    let on_a = a.add_association("جمعية الأمل", 5, &ca).unwrap();
    a.add_attendance(AttendanceCategory::Men, 1, &ca).unwrap();
    let on_b = b.add_association("Coopérative Argan", 2, &cb).unwrap();
    let same_name = b.add_association("جمعية الأمل", 1, &cb).unwrap();
    b.add_attendance(AttendanceCategory::Men, 2, &cb).unwrap();
    b.set_notes("ملاحظة جديدة", &cb).unwrap();
    let mut details = SessionDetails {
        place: "Dar Taliba".into(),
        ..SessionDetails::default()
    };
    let s = b.read().unwrap();
    b.update_meta(&s.meta.opening(&s.douar_ids), &details, &cb)
        .unwrap();

    let mut merged = a.clone();
    merged.merge(&mut b.clone()).unwrap();
    let mut other_way = b.clone();
    other_way.merge(&mut a.clone()).unwrap();
    let s = merged.read().unwrap();
    assert_eq!(s, other_way.read().unwrap());
    let mut names: Vec<(&str, i64)> = s
        .associations
        .iter()
        .map(|x| (x.name.as_str(), x.count))
        .collect();
    names.sort();
    // Two entries under one name: acceptable, visible, and each can be removed.
    assert_eq!(
        names,
        [
            ("Coopérative Argan", 2),
            ("جمعية الأمل", 1),
            ("جمعية الأمل", 5)
        ]
    );
    assert_eq!(s.attendance.get(AttendanceCategory::Men), 7);
    assert_eq!(s.meta.details.place, "Dar Taliba");
    assert!(s.notes.contains("ملاحظة جديدة"));

    // After the merge, both tablets keep counting on whichever map holds each entry.
    let (mut a2, mut b2) = (merged.clone(), other_way.clone());
    for id in [on_a, on_b, same_name] {
        a2.add_association_count(id, 1, &ca).unwrap();
        b2.add_association_count(id, 1, &cb).unwrap();
    }
    b2.set_association_deleted(same_name, true, &cb).unwrap();
    details.note_taker = "Aicha".into();
    let s2 = a2.read().unwrap();
    a2.update_meta(&s2.meta.opening(&s2.douar_ids), &details, &ca)
        .unwrap();
    a2.merge(&mut b2).unwrap();
    let s = a2.read().unwrap();
    let count = |id| s.associations.iter().find(|x| x.id == id).unwrap().count;
    assert_eq!((count(on_a), count(on_b), count(same_name)), (7, 4, 3));
    assert_eq!(s.live_associations().count(), 2);
    assert_eq!(s.meta.details.note_taker, "Aicha");
    assert_eq!(s.meta.details.place, "Dar Taliba");
    // Still a v1 document, with everything the v1 tablets recorded.
    assert_eq!(s.schema, 1);
    assert_eq!(s.proposals.len(), 3);
    assert_eq!(s.attendance.get(AttendanceCategory::Women), 25);
}

/// A v2 copy (the v1 document synced to a tablet running v2 code, then edited) merges back
/// into a tablet that still holds the untouched v1 bytes.
#[test]
fn a_v2_copy_merges_into_the_v1_original() {
    let mut original = v1(1);
    let mut copy = v1(2);
    let ctx = EditCtx::new("aicha", T0 + 200 * 60_000);
    copy.add_association("Association des parents d'élèves", 4, &ctx)
        .unwrap();
    copy.set_proposal_deleted(pid(3), false, &ctx).unwrap();
    original.merge(&mut copy).unwrap();
    let s = original.read().unwrap();
    assert_eq!(s.associations.len(), 1);
    assert_eq!(s.live_proposals().count(), 3);
    assert_eq!(
        s.proposals
            .iter()
            .find(|p| p.id == pid(3))
            .unwrap()
            .edited_at,
        Some(ctx.now_ms)
    );
}

fn photo(n: u8, kind: tachkhis_shared::PhotoKind) -> tachkhis_shared::session::PhotoInput {
    tachkhis_shared::session::PhotoInput {
        hash: format!("{n:02x}").repeat(32),
        kind,
        caption: format!("photo {n}"),
        bytes: 200_000 + u64::from(n),
        mime: "image/webp".into(),
    }
}

/// Photos came after v2: a v1 document (and a v2 one created before them) gets its `photos`
/// map from the first tablet that adds one; two tablets doing that offline make two maps,
/// and both photos are read. Every path a v1 reader reads keeps its kind.
#[test]
fn photos_added_offline_on_two_tablets_merge_into_an_old_document() {
    use tachkhis_shared::PhotoKind;
    let (mut a, mut b) = (v1(0xA), v1(0xB));
    let v1_shape = shape(a.automerge());
    let ca = EditCtx::new("fatima", T0 + 60_000);
    let cb = EditCtx::new("khadija", T0 + 120_000);
    a.add_photo(&photo(1, PhotoKind::FlipChart), &ca).unwrap();
    b.add_photo(&photo(2, PhotoKind::AttendanceSheet), &cb)
        .unwrap();
    // The same photo on both tablets is one entry.
    b.add_photo(&photo(1, PhotoKind::FlipChart), &cb).unwrap();
    a.merge(&mut b).unwrap();
    let s = SessionDoc::load(&a.save(), None).unwrap().read().unwrap();
    assert_eq!(s.schema, 1);
    let names: Vec<(&str, &PhotoKind, &str)> = s
        .photos
        .iter()
        .map(|p| (&p.hash[..2], &p.kind, p.taken_by.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("01", &PhotoKind::FlipChart, "fatima"),
            ("02", &PhotoKind::AttendanceSheet, "khadija")
        ]
    );
    let after = shape(a.automerge());
    for entry in &v1_shape {
        assert!(after.contains(entry), "{entry:?} changed");
    }
    // A removal on one tablet is kept through the merge; the photo is still named.
    a.set_photo_deleted(&s.photos[1].hash, true, &ca).unwrap();
    let s = a.read().unwrap();
    assert_eq!(s.live_photos().count(), 1);
    assert_eq!(s.photos.len(), 2);
    s.check_limits().unwrap();
}

/// A kind a newer app writes reads as `Unknown`, kept as written; a photo key that is not a
/// SHA-256 breaks the schema (its name is how its bytes are found).
#[test]
fn a_newer_photo_kind_reads_as_unknown() {
    use automerge::transaction::Transactable;
    use tachkhis_shared::PhotoKind;
    let mut doc = v1(3);
    let ctx = EditCtx::new("fatima", T0);
    doc.add_photo(&photo(7, PhotoKind::Meeting), &ctx).unwrap();
    let hash = format!("{:02x}", 7).repeat(32);
    let am = doc.automerge_mut();
    let photos = match am.get(automerge::ROOT, "photos").unwrap() {
        Some((Value::Object(ObjType::Map), id)) => id,
        other => panic!("photos map: {other:?}"),
    };
    let p = match am.get(&photos, hash.as_str()).unwrap() {
        Some((Value::Object(ObjType::Map), id)) => id,
        other => panic!("photo: {other:?}"),
    };
    am.put(&p, "kind", "drone_view").unwrap();
    let s = doc.read().unwrap();
    assert_eq!(s.photos[0].kind, PhotoKind::Unknown("drone_view".into()));
    assert!(
        doc.add_photo(&photo(8, PhotoKind::Unknown("drone_view".into())), &ctx)
            .is_err(),
        "the app writes only kinds it knows"
    );
    let am = doc.automerge_mut();
    let bad = am.put_object(&photos, "not-a-hash", ObjType::Map).unwrap();
    am.put(&bad, "kind", "meeting").unwrap();
    let err = doc.read().unwrap_err();
    assert_eq!(err.path, "photos.not-a-hash");
    let _ = ScalarValue::Null;
}
