use super::*;

pub(crate) fn new_session() -> NewSession {
    NewSession {
        pole_id: "pole-1".into(),
        douar_ids: vec!["idouz".into(), "el-jrif".into()],
        group_kind: GroupKind::Women,
        date: "2022-07-14".into(),
        facilitators: "فاطمة، خديجة".into(),
    }
}

fn input(problem: &str) -> ProposalInput {
    ProposalInput {
        problem: problem.into(),
        solution: "بناء".into(),
        sector: Some(Sector::Roads),
        douar_id: Some("idouz".into()),
        raised_by: String::new(),
    }
}

#[test]
fn create_read_round_trip() {
    let id = Uuid::new_v4();
    let ctx = EditCtx::new("fatima", 1_657_800_000_000);
    let mut doc = SessionDoc::create(id, &new_session(), &ctx, None).unwrap();
    let pid = doc
        .add_proposal(&input("الطريق مقطوعة في الشتاء"), &ctx)
        .unwrap();
    doc.add_attendance(AttendanceCategory::Women, 3, &ctx)
        .unwrap();
    doc.add_attendance(AttendanceCategory::YouthWomen, 1, &ctx)
        .unwrap();
    doc.set_notes("ملاحظات", &ctx).unwrap();
    let bytes = doc.save();
    let loaded = SessionDoc::load(&bytes, None).unwrap();
    let s = loaded.read().unwrap();
    assert_eq!(s.id, id);
    assert_eq!(s.meta.group_kind, GroupKind::Women);
    assert_eq!(s.douar_ids.len(), 2);
    assert_eq!(s.attendance.total(), 3);
    assert_eq!(s.attendance.get(AttendanceCategory::YouthWomen), 1);
    assert_eq!(s.proposals.len(), 1);
    assert_eq!(s.proposals[0].id, pid);
    assert_eq!(s.proposals[0].sector, Some(Sector::Roads));
    assert_eq!(s.notes, "ملاحظات");
}

#[test]
fn dates_are_checked() {
    for ok in ["2022-07-14", "2024-02-29", "2000-02-29", "2023-12-31"] {
        assert!(validate_date(ok).is_ok(), "{ok}");
    }
    for bad in [
        "2023-02-29",
        "1900-02-29",
        "07/02/2023",
        "2023-13-01",
        "2023-04-31",
        "2023-1-01",
        "٢٠٢٣-٠٢-٠٧",
        "",
        "0000-01-01",
    ] {
        assert!(validate_date(bad).is_err(), "{bad}");
    }
}

#[test]
fn rejects_bad_input() {
    let ctx = EditCtx::new("a", 0);
    let mut bad = new_session();
    bad.date = "07/02/2023".into();
    assert!(SessionDoc::create(Uuid::new_v4(), &bad, &ctx, None).is_err());
    let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    assert!(doc.add_proposal(&ProposalInput::default(), &ctx).is_err());
    assert!(matches!(
        doc.update_proposal(Uuid::new_v4(), &input("x"), &ctx),
        Err(DocError::UnknownProposal(_))
    ));
}

#[test]
fn schema_violations_are_reported() {
    let ctx = EditCtx::new("a", 0);
    let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    let meta = doc.obj(&automerge::ROOT, "meta").unwrap();
    doc.automerge_mut().put(&meta, "group_kind", 7).unwrap();
    let err = doc.read().unwrap_err();
    assert_eq!(err.path, "meta.group_kind");
    doc.automerge_mut()
        .put(&meta, "group_kind", "x".repeat(65))
        .unwrap();
    assert_eq!(doc.read().unwrap_err().path, "meta.group_kind");
    assert!(SessionDoc::empty(None).read().is_err());
}

/// A newer app may add a group kind, a sector or an attendance category: an older reader keeps
/// the session, with the codes as they were written.
#[test]
fn codes_of_a_newer_app_read_as_unknown() {
    let ctx = EditCtx::new("a", 0);
    let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    let pid = doc.add_proposal(&input("p"), &ctx).unwrap();
    let meta = doc.obj(&automerge::ROOT, "meta").unwrap();
    let am = doc.automerge_mut();
    am.put(&meta, "group_kind", "elders").unwrap();
    let att = am.get(&automerge::ROOT, "attendance").unwrap().unwrap().1;
    am.put(&att, "children", automerge::ScalarValue::counter(4))
        .unwrap();
    let props = am.get(&automerge::ROOT, "proposals").unwrap().unwrap().1;
    let p = am.get(&props, pid.to_string()).unwrap().unwrap().1;
    am.put(&p, "sector", "tourism").unwrap();
    let s = doc
        .read()
        .expect("a newer app's codes are not a schema error");
    assert_eq!(s.meta.group_kind, GroupKind::Unknown("elders".into()));
    assert_eq!(
        s.attendance
            .get(AttendanceCategory::Unknown("children".into())),
        4
    );
    assert_eq!(
        s.proposals[0].sector,
        Some(Sector::Unknown("tourism".into()))
    );
    // Written back as they were.
    assert_eq!(s.meta.group_kind.code(), "elders");
}

#[test]
fn deleted_proposals_can_be_restored() {
    let ctx = EditCtx::new("a", 0);
    let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    let pid = doc.add_proposal(&input("x"), &ctx).unwrap();
    doc.set_proposal_deleted(pid, true, &ctx).unwrap();
    assert_eq!(doc.read().unwrap().live_proposals().count(), 0);
    doc.set_proposal_deleted(pid, false, &ctx).unwrap();
    assert_eq!(doc.read().unwrap().live_proposals().count(), 1);
}

#[test]
fn times_are_checked() {
    for ok in ["00:00", "09:30", "23:59", "14:05"] {
        assert!(validate_time(ok).is_ok(), "{ok}");
    }
    for bad in [
        "24:00",
        "9:30",
        "09:60",
        "0930",
        "09h30",
        "٠٩:٣٠",
        "",
        "09:30:00",
    ] {
        assert!(validate_time(bad).is_err(), "{bad}");
    }
    let ctx = EditCtx::new("a", 0);
    let bad = SessionDetails {
        start_time: Some("25:00".into()),
        ..SessionDetails::default()
    };
    assert!(
        SessionDoc::create_with_details(Uuid::new_v4(), &new_session(), &bad, &ctx, None).is_err()
    );
    let late = SessionDetails {
        start_time: Some("21:00".into()),
        end_time: Some("00:30".into()),
        ..SessionDetails::default()
    };
    // Past midnight is accepted, and pointed out.
    assert!(late.ends_before_start());
    let doc =
        SessionDoc::create_with_details(Uuid::new_v4(), &new_session(), &late, &ctx, None).unwrap();
    assert_eq!(doc.read().unwrap().meta.details, late);
}

#[test]
fn details_are_written_field_by_field() {
    let ctx = EditCtx::new("a", 0);
    let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    let s = doc.read().unwrap();
    assert_eq!(s.schema, SCHEMA_VERSION);
    assert_eq!(s.meta.details, SessionDetails::default());
    let details = SessionDetails {
        start_time: Some("09:15".into()),
        end_time: Some("11:40".into()),
        place: "دار الجمعية ⵜⴰⴷⴷⴰⵔⵜ".into(),
        note_taker: "Aicha".into(),
    };
    let mut init = new_session();
    init.douar_ids = vec!["idouz".into(), "tizi".into()];
    doc.update_meta(&init, &details, &ctx).unwrap();
    let s = doc.read().unwrap();
    assert_eq!(s.meta.details, details);
    assert_eq!(s.douar_ids, vec!["idouz".to_string(), "tizi".to_string()]);
    let heads = doc.heads();
    // Nothing differs: nothing written.
    doc.update_meta(&init, &details, &ctx).unwrap();
    assert_eq!(doc.heads(), heads);
    let mut cleared = details.clone();
    cleared.end_time = None;
    doc.update_meta(&init, &cleared, &ctx).unwrap();
    assert_eq!(doc.read().unwrap().meta.details.end_time, None);
}

#[test]
fn associations_count_and_can_be_removed_and_restored() {
    let ctx = EditCtx::new("a", 0);
    let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    assert!(doc.add_association("  ", 0, &ctx).is_err());
    assert!(doc.add_association("x", -1, &ctx).is_err());
    let coop = doc.add_association("تعاونية الأركان", 2, &ctx).unwrap();
    let assoc = doc.add_association("Association Tifawin", 0, &ctx).unwrap();
    doc.add_association_count(coop, 1, &ctx).unwrap();
    doc.add_association_count(assoc, -1, &ctx).unwrap();
    doc.set_association_deleted(assoc, true, &ctx).unwrap();
    let s = doc.read().unwrap();
    assert_eq!(s.associations.len(), 2);
    let live: Vec<_> = s.live_associations().collect();
    assert_eq!(live.len(), 1);
    assert_eq!((live[0].id, live[0].count), (coop, 3));
    // Below zero reads as zero.
    assert_eq!(
        s.associations.iter().find(|a| a.id == assoc).unwrap().count,
        0
    );
    doc.set_association_deleted(assoc, false, &ctx).unwrap();
    doc.rename_association(assoc, "Association Tifaouine", &ctx)
        .unwrap();
    let s = doc.read().unwrap();
    assert_eq!(s.live_associations().count(), 2);
    assert!(
        s.associations
            .iter()
            .any(|a| a.name == "Association Tifaouine")
    );
    assert!(matches!(
        doc.add_association_count(Uuid::new_v4(), 1, &ctx),
        Err(DocError::UnknownAssociation(_))
    ));
}

fn order(doc: &SessionDoc) -> Vec<Uuid> {
    doc.read().unwrap().live_proposals().map(|p| p.id).collect()
}

#[test]
fn proposals_move_up_and_down() {
    let mut doc =
        SessionDoc::create(Uuid::new_v4(), &new_session(), &EditCtx::new("a", 0), None).unwrap();
    let ids: Vec<Uuid> = (0..4)
        .map(|i| {
            doc.add_proposal(&input(&format!("p{i}")), &EditCtx::new("a", 1000 * i))
                .unwrap()
        })
        .collect();
    let ctx = EditCtx::new("a", 10_000);
    // In the order added: a new one comes last.
    assert_eq!(order(&doc), vec![ids[0], ids[1], ids[2], ids[3]]);
    assert!(!doc.move_proposal(ids[0], true, &ctx).unwrap());
    assert!(!doc.move_proposal(ids[3], false, &ctx).unwrap());
    assert!(doc.move_proposal(ids[3], true, &ctx).unwrap());
    assert_eq!(order(&doc), vec![ids[0], ids[1], ids[3], ids[2]]);
    assert!(doc.move_proposal(ids[0], false, &ctx).unwrap());
    assert_eq!(order(&doc), vec![ids[1], ids[0], ids[3], ids[2]]);
    // Deleted proposals are skipped.
    doc.set_proposal_deleted(ids[0], true, &ctx).unwrap();
    assert!(doc.move_proposal(ids[3], true, &ctx).unwrap());
    assert_eq!(order(&doc), vec![ids[3], ids[1], ids[2]]);
    doc.set_proposal_deleted(ids[0], false, &ctx).unwrap();
    // Many moves between the same two neighbours exhaust the room between their ranks:
    // the order still comes out right.
    for _ in 0..200 {
        doc.move_proposal(ids[1], true, &ctx).unwrap();
        doc.move_proposal(ids[1], false, &ctx).unwrap();
    }
    let before = order(&doc);
    let at = before.iter().position(|p| *p == ids[1]).unwrap();
    assert!(doc.move_proposal(ids[1], true, &ctx).unwrap());
    let after = order(&doc);
    assert_eq!(after[at - 1], ids[1]);
    assert_eq!(after.len(), before.len());
}

fn ranks(doc: &SessionDoc) -> Vec<(Uuid, f64)> {
    let s = doc.read().unwrap();
    s.proposals.iter().map(|p| (p.id, p.rank)).collect()
}

#[test]
fn new_proposals_come_last_whatever_the_clock() {
    let mut doc =
        SessionDoc::create(Uuid::new_v4(), &new_session(), &EditCtx::new("a", 0), None).unwrap();
    // A tablet whose clock jumps back a year, then forward ten: the order is still the order
    // added.
    let clocks = [1_700_000_000_000, 1_668_000_000_000, 2_000_000_000_000, 5];
    let ids: Vec<Uuid> = clocks
        .iter()
        .enumerate()
        .map(|(i, ms)| {
            doc.add_proposal(&input(&format!("p{i}")), &EditCtx::new("a", *ms))
                .unwrap()
        })
        .collect();
    assert_eq!(order(&doc), ids);
    // Below the lowest live rank: a deleted last one does not count, a proposal moved to the
    // end does.
    let ctx = EditCtx::new("a", 0);
    doc.set_proposal_deleted(ids[3], true, &ctx).unwrap();
    assert!(doc.move_proposal_to(ids[0], 99, &ctx).unwrap());
    let p4 = doc.add_proposal(&input("p4"), &ctx).unwrap();
    assert_eq!(order(&doc), vec![ids[1], ids[2], ids[0], p4]);
    let rank_of = |doc: &SessionDoc, id| ranks(doc).into_iter().find(|(p, _)| *p == id).unwrap().1;
    assert!(rank_of(&doc, p4) < rank_of(&doc, ids[0]));
}

#[test]
fn a_document_ranked_by_time_keeps_its_order() {
    // What the earlier app wrote: the creation time as the rank, newest first.
    let mut doc =
        SessionDoc::create(Uuid::new_v4(), &new_session(), &EditCtx::new("a", 0), None).unwrap();
    let ids: Vec<Uuid> = (0..3)
        .map(|i| {
            let id = doc
                .add_proposal(&input(&format!("old{i}")), &EditCtx::new("a", 0))
                .unwrap();
            let at = 1_657_800_000_000 + 60_000 * i as i64;
            doc.set_proposal_rank(id, at as f64, &EditCtx::new("a", at))
                .unwrap();
            id
        })
        .collect();
    let before = ranks(&doc);
    assert_eq!(order(&doc), vec![ids[2], ids[1], ids[0]]);
    let new = doc
        .add_proposal(&input("new"), &EditCtx::new("a", 1_657_900_000_000))
        .unwrap();
    assert_eq!(order(&doc), vec![ids[2], ids[1], ids[0], new]);
    // Old ranks untouched.
    let after = ranks(&doc);
    assert_eq!(&after[..3], &before[..]);
}

#[test]
fn proposals_added_offline_on_two_tablets_both_come_last() {
    let mut a =
        SessionDoc::create(Uuid::new_v4(), &new_session(), &EditCtx::new("a", 0), None).unwrap();
    let first = a
        .add_proposal(&input("first"), &EditCtx::new("a", 1))
        .unwrap();
    let second = a
        .add_proposal(&input("second"), &EditCtx::new("a", 2))
        .unwrap();
    let mut b = SessionDoc::load(&a.save(), None).unwrap();
    // Tablet b's clock is a day behind; each adds one, apart.
    let x = a
        .add_proposal(&input("x"), &EditCtx::new("a", 100_000_000))
        .unwrap();
    let y = b
        .add_proposal(&input("y"), &EditCtx::new("b", 13_600_000))
        .unwrap();
    a.merge(&mut b).unwrap();
    b.merge(&mut SessionDoc::load(&a.save(), None).unwrap())
        .unwrap();
    let merged = order(&a);
    assert_eq!(merged, order(&b), "both tablets read one order");
    assert_eq!(&merged[..2], &[first, second]);
    // The two new ones tie on rank: the id decides, as on the server.
    let mut last = [x, y];
    last.sort();
    assert_eq!(&merged[2..], &last[..]);
    // The next one, on either tablet, comes after both.
    let z = b
        .add_proposal(&input("z"), &EditCtx::new("b", 13_700_000))
        .unwrap();
    assert_eq!(order(&b).last(), Some(&z));
    // A move between the tied two finds no room and spreads the ranks out.
    assert!(b.move_proposal_to(z, 3, &EditCtx::new("b", 0)).unwrap());
    assert_eq!(order(&b), vec![first, second, last[0], z, last[1]]);
}

#[test]
fn a_drop_changes_one_rank_when_there_is_room() {
    let mut doc =
        SessionDoc::create(Uuid::new_v4(), &new_session(), &EditCtx::new("a", 0), None).unwrap();
    let ids: Vec<Uuid> = (0..5)
        .map(|i| {
            doc.add_proposal(&input(&format!("p{i}")), &EditCtx::new("a", 0))
                .unwrap()
        })
        .collect();
    let before = ranks(&doc);
    // The last one dragged to the top.
    assert!(
        doc.move_proposal_to(ids[4], 0, &EditCtx::new("a", 7))
            .unwrap()
    );
    assert_eq!(order(&doc), vec![ids[4], ids[0], ids[1], ids[2], ids[3]]);
    let after = ranks(&doc);
    let changed: Vec<Uuid> = after
        .iter()
        .filter(|(id, r)| before.iter().find(|(b, _)| b == id).unwrap().1 != *r)
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(changed, vec![ids[4]], "only the moved proposal's rank");
    let moved = doc
        .read()
        .unwrap()
        .proposals
        .into_iter()
        .find(|p| p.id == ids[4])
        .unwrap();
    assert_eq!(moved.edited_at, Some(7));
    // Into the middle, to the end, and where it already is.
    assert!(
        doc.move_proposal_to(ids[4], 2, &EditCtx::new("a", 8))
            .unwrap()
    );
    assert_eq!(order(&doc), vec![ids[0], ids[1], ids[4], ids[2], ids[3]]);
    assert!(
        doc.move_proposal_to(ids[0], 4, &EditCtx::new("a", 9))
            .unwrap()
    );
    assert_eq!(order(&doc), vec![ids[1], ids[4], ids[2], ids[3], ids[0]]);
    assert!(
        !doc.move_proposal_to(ids[2], 2, &EditCtx::new("a", 9))
            .unwrap()
    );
    assert!(matches!(
        doc.move_proposal_to(Uuid::new_v4(), 0, &EditCtx::new("a", 9)),
        Err(DocError::UnknownProposal(_))
    ));
}

#[test]
fn edits_after_closing_are_known() {
    let t = |s: i64| EditCtx::new("a", 1_000_000 + s * 1000);
    let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &t(0), None).unwrap();
    let before = doc.add_proposal(&input("before"), &t(1)).unwrap();
    let edited = doc.add_proposal(&input("edited"), &t(2)).unwrap();
    let voted = doc.add_proposal(&input("voted"), &t(3)).unwrap();
    doc.close(&t(10)).unwrap();
    doc.close(&t(20)).unwrap();
    let s = doc.read().unwrap();
    assert_eq!(s.meta.closed_at, Some(t(10).now_ms));
    assert!(s.proposals.iter().all(|p| !s.edited_after_close(p)));
    let mut form = input("edited, later");
    form.raised_by = "youth".into();
    doc.update_proposal(edited, &form, &t(11)).unwrap();
    doc.add_votes(voted, 1, &t(12)).unwrap();
    let added = doc.add_proposal(&input("added"), &t(13)).unwrap();
    let s = doc.read().unwrap();
    let after: BTreeMap<Uuid, bool> = s
        .proposals
        .iter()
        .map(|p| (p.id, s.edited_after_close(p)))
        .collect();
    assert!(!after[&before]);
    assert!(after[&edited] && after[&voted] && after[&added]);
    // An update that changes nothing is not an edit.
    let heads = doc.heads();
    doc.update_proposal(before, &input("before"), &t(14))
        .unwrap();
    assert_eq!(doc.heads(), heads);
}

/// The tablet refuses a photo past the session's limit; a document that names more anyway
/// (another app) breaks the app's limits and is set aside by the server.
#[test]
fn photos_per_session_are_limited() {
    let ctx = EditCtx::new("fatima", 1_657_800_000_000);
    let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    let photo = |n: usize| PhotoInput {
        hash: format!("{n:064x}"),
        kind: PhotoKind::FlipChart,
        caption: String::new(),
        bytes: 1000,
        mime: "image/jpeg".into(),
    };
    for n in 0..MAX_PHOTOS {
        doc.add_photo(&photo(n), &ctx).unwrap();
    }
    assert!(doc.add_photo(&photo(MAX_PHOTOS), &ctx).is_err());
    // The same photo again is no new photo.
    doc.add_photo(&photo(0), &ctx).unwrap();
    let mut s = doc.read().unwrap();
    s.check_limits().unwrap();
    let mut extra = s.photos[0].clone();
    extra.hash = format!("{:064x}", MAX_PHOTOS + 1);
    s.photos.push(extra);
    assert_eq!(s.check_limits().unwrap_err().path, "photos");
    let big = PhotoInput {
        bytes: MAX_PHOTO_BYTES + 1,
        ..photo(99)
    };
    assert!(big.validate().is_err());
}

/// A second tablet's copy of `doc` (its own actor), as after a sync.
fn fork(doc: &mut SessionDoc, actor: &str) -> SessionDoc {
    SessionDoc::load(&doc.save(), Some(ActorId::from(actor.as_bytes()))).unwrap()
}

fn choices(pole: &str, douars: &[&str], group: GroupKind) -> OpeningChoices {
    OpeningChoices {
        pole_id: pole.into(),
        douar_ids: douars.iter().map(|d| d.to_string()).collect(),
        group_kind: group,
    }
}

#[test]
fn douars_read_in_the_order_picked() {
    let ctx = EditCtx::new("fatima", 1_657_800_000_000);
    let doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    // Picked "idouz" then "el-jrif": not the ids' order.
    assert_eq!(doc.read().unwrap().douar_ids, ["idouz", "el-jrif"]);
    let (meta, douars) = doc.read_meta().unwrap();
    assert_eq!(meta.opening(&douars).douar_ids, ["idouz", "el-jrif"]);
}

#[test]
fn a_document_without_douar_order_reads_its_douars_by_id() {
    // As a v1 or early v2 app wrote it: the set only.
    let ctx = EditCtx::new("fatima", 1_657_800_000_000);
    let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    let meta = doc.obj(&automerge::ROOT, "meta").unwrap();
    doc.automerge_mut().delete(&meta, "douar_order").unwrap();
    doc.automerge_mut().commit();
    assert_eq!(doc.read().unwrap().douar_ids, ["el-jrif", "idouz"]);
}

#[test]
fn pole_douars_and_group_are_corrected_and_logged() {
    let ctx = EditCtx::new("fatima", 1_657_800_000_000);
    let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    let later = EditCtx::new("khadija", 1_657_800_600_000);
    let to = choices("pole-2", &["tamda", "idouz"], GroupKind::Youth);
    assert!(doc.correct_opening(&to, &later).unwrap());
    let s = doc.read().unwrap();
    assert_eq!(s.meta.pole_id, "pole-2");
    assert_eq!(s.meta.group_kind, GroupKind::Youth);
    assert_eq!(s.douar_ids, ["tamda", "idouz"]);
    let logged: Vec<_> = s
        .corrections
        .iter()
        .map(|c| (c.field, c.from.as_str(), c.to.as_str(), c.by.as_str(), c.at))
        .collect();
    assert_eq!(logged.len(), 3);
    for want in [
        (CorrectedField::Pole, "pole-1", "pole-2"),
        (CorrectedField::Group, "women", "youth"),
        (CorrectedField::Douars, "idouz,el-jrif", "tamda,idouz"),
    ] {
        assert!(
            logged
                .iter()
                .any(|l| (l.0, l.1, l.2) == want && l.3 == "khadija" && l.4 == later.now_ms),
            "{want:?} in {logged:?}"
        );
    }
    // The same choices again: nothing written, nothing logged.
    let heads = doc.heads();
    assert!(!doc.correct_opening(&to, &later).unwrap());
    assert_eq!(doc.heads(), heads);
    // Survives a save and load.
    let again = SessionDoc::load(&doc.save(), None).unwrap().read().unwrap();
    assert_eq!(again.corrections, s.corrections);
}

#[test]
fn corrections_are_checked() {
    let ctx = EditCtx::new("fatima", 1_657_800_000_000);
    let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    let heads = doc.heads();
    for bad in [
        choices(" ", &["idouz"], GroupKind::Women),
        choices("pole-1", &[], GroupKind::Women),
        choices("pole-1", &["idouz", "idouz"], GroupKind::Women),
        choices("pole-1", &["a,b"], GroupKind::Women),
        choices("pole-1", &["idouz"], GroupKind::Unknown("aliens".into())),
        choices(&"p".repeat(MAX_ID_CHARS + 1), &["idouz"], GroupKind::Women),
    ] {
        assert!(
            matches!(doc.correct_opening(&bad, &ctx), Err(DocError::Invalid(_))),
            "{bad:?}"
        );
    }
    assert_eq!(doc.heads(), heads);
    assert!(doc.read().unwrap().corrections.is_empty());
}

#[test]
fn a_pole_corrected_on_two_tablets_ends_with_one_value_named_on_both() {
    let ctx = EditCtx::new("fatima", 1_657_800_000_000);
    let mut a = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    let mut b = fork(&mut a, "tablet-b");
    let base = a.read().unwrap();
    let at_a = EditCtx::new("fatima", 1_657_800_100_000);
    let at_b = EditCtx::new("khadija", 1_657_800_200_000);
    a.correct_opening(
        &choices(
            "pole-2",
            &base
                .douar_ids
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            GroupKind::Women,
        ),
        &at_a,
    )
    .unwrap();
    b.correct_opening(&choices("pole-3", &["tamda"], GroupKind::Women), &at_b)
        .unwrap();
    a.merge(&mut b).unwrap();
    let mut a_copy = SessionDoc::load(&a.save(), None).unwrap();
    b.merge(&mut a_copy).unwrap();
    let (sa, sb) = (a.read().unwrap(), b.read().unwrap());
    assert_eq!(sa.meta.pole_id, sb.meta.pole_id);
    assert!(["pole-2", "pole-3"].contains(&sa.meta.pole_id.as_str()));
    assert_eq!(sa.corrections.len(), 3);
    assert_eq!(sa.corrections, sb.corrections);
    let (before, last) = sa
        .concurrent_correction(CorrectedField::Pole)
        .expect("two corrections from the same pole");
    assert_eq!(before.from, "pole-1");
    assert_eq!(last.from, "pole-1");
    assert!(sa.concurrent_correction(CorrectedField::Group).is_none());
    // The douars: B replaced both with "tamda"; A did not touch them.
    assert_eq!(sa.douar_ids, ["tamda"]);
    // A correction made after seeing both is not "at once".
    let mut c = fork(&mut a, "tablet-c");
    c.correct_opening(
        &choices("pole-4", &["tamda"], GroupKind::Women),
        &EditCtx::new("fatima", 1_657_800_300_000),
    )
    .unwrap();
    assert!(
        c.read()
            .unwrap()
            .concurrent_correction(CorrectedField::Pole)
            .is_none()
    );
}

#[test]
fn douars_added_and_removed_on_two_tablets_both_hold() {
    let ctx = EditCtx::new("fatima", 1_657_800_000_000);
    let mut a = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    let mut b = fork(&mut a, "tablet-b");
    a.correct_opening(
        &choices("pole-1", &["idouz", "el-jrif", "tamda"], GroupKind::Women),
        &ctx,
    )
    .unwrap();
    b.correct_opening(&choices("pole-1", &["idouz"], GroupKind::Women), &ctx)
        .unwrap();
    a.merge(&mut b).unwrap();
    let douars = a.read().unwrap().douar_ids;
    let mut sorted = douars.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["idouz", "tamda"],
        "added on A and removed on B: {douars:?}"
    );
}

#[test]
fn corrections_are_bounded() {
    let ctx = EditCtx::new("fatima", 1_657_800_000_000);
    let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
    for i in 0..MAX_CORRECTIONS {
        let pole = if i % 2 == 0 { "pole-2" } else { "pole-1" };
        doc.correct_opening(
            &choices(pole, &["idouz", "el-jrif"], GroupKind::Women),
            &ctx,
        )
        .unwrap();
    }
    let heads = doc.heads();
    let before = doc.read().unwrap();
    assert!(before.check_limits().is_ok());
    let next = if before.meta.pole_id == "pole-1" {
        "pole-2"
    } else {
        "pole-1"
    };
    assert!(matches!(
        doc.correct_opening(
            &choices(next, &["idouz", "el-jrif"], GroupKind::Women),
            &ctx
        ),
        Err(DocError::Invalid(_))
    ));
    assert_eq!(doc.heads(), heads, "nothing written");
    assert_eq!(doc.read().unwrap(), before);
}
