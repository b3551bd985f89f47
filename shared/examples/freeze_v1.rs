//! Writes `shared/tests/data/session-v1.automerge`: a real schema-v1 session document made by
//! the v1 code (run once at the commit that froze it; later code must keep reading it).
#![forbid(unsafe_code)]

use automerge::ActorId;
use tachkhis_shared::reference::{AttendanceCategory, GroupKind, Sector};
use tachkhis_shared::session::{EditCtx, NewSession, ProposalInput, SessionDoc};
use uuid::Uuid;

fn main() {
    let id = Uuid::parse_str("7b7a3f0e-3c1d-4e55-9a51-0d7f5a1e2c01").unwrap();
    let t0: i64 = 1_657_800_000_000; // 2022-07-14 12:00 UTC
    let ctx = |min: i64| EditCtx::new("fatima", t0 + min * 60_000);
    let init = NewSession {
        pole_id: "pole-1".into(),
        douar_ids: vec!["idouz".into(), "el-jrif".into()],
        group_kind: GroupKind::Women,
        date: "2022-07-14".into(),
        facilitators: "فاطمة الزهراء، Khadija".into(),
    };
    let actor_a = ActorId::from(vec![0xa1; 16]);
    let mut doc = SessionDoc::create(id, &init, &ctx(0), Some(actor_a)).unwrap();
    for (cat, n) in [
        (AttendanceCategory::Women, 23),
        (AttendanceCategory::Men, 4),
        (AttendanceCategory::YouthWomen, 9),
        (AttendanceCategory::YouthMen, 2),
        (AttendanceCategory::DisabledWomen, 1),
        (AttendanceCategory::DisabledMen, 0),
    ] {
        for _ in 0..n {
            doc.add_attendance(cat, 1, &ctx(1)).unwrap();
        }
    }
    let p = |id: &str, problem: &str, solution: &str, sector, douar: Option<&str>, by: &str| {
        (
            Uuid::parse_str(id).unwrap(),
            ProposalInput {
                problem: problem.into(),
                solution: solution.into(),
                sector,
                douar_id: douar.map(Into::into),
                raised_by: by.into(),
            },
        )
    };
    let proposals = [
        p(
            "00000000-0000-4000-8000-000000000001",
            "الطريق مقطوعة في الشتاء",
            "تهيئة المسلك الرابط بين ادوز والطريق الاقليمية",
            Some(Sector::Roads),
            Some("idouz"),
            "النساء الشابات",
        ),
        p(
            "00000000-0000-4000-8000-000000000002",
            "Pas d'eau potable l'été",
            "Branchement au réseau de l'ONEE",
            Some(Sector::DrinkingWater),
            Some("el-jrif"),
            "",
        ),
        p(
            "00000000-0000-4000-8000-000000000003",
            "ⴰⵙⵉⴼ ⵉⵜⵜⴰⵣⴰⵏ",
            "asif: bni tiqnatirt",
            None,
            None,
            "tamghart",
        ),
    ];
    for (i, (pid, input)) in proposals.iter().enumerate() {
        doc.add_proposal_with_id(*pid, input, &ctx(10 + i as i64))
            .unwrap();
    }
    let (first, second, third) = (proposals[0].0, proposals[1].0, proposals[2].0);
    doc.add_votes(first, 7, &ctx(20)).unwrap();
    doc.add_votes(second, 3, &ctx(20)).unwrap();
    // The group put the road first: a rank above the newest.
    doc.set_proposal_rank(first, (t0 + 60 * 60_000) as f64, &ctx(21))
        .unwrap();
    doc.set_proposal_deleted(third, true, &ctx(22)).unwrap();

    // A second tablet at the door adds to the count concurrently.
    let actor_b = ActorId::from(vec![0xb2; 16]);
    let mut other = SessionDoc::load(&doc.save(), Some(actor_b)).unwrap();
    other
        .add_attendance(AttendanceCategory::Women, 2, &EditCtx::new("khadija", t0 + 25 * 60_000))
        .unwrap();
    doc.merge(&mut other).unwrap();

    doc.set_notes("الاجتماع في دار الجمعية.\nNotes: réunion calme.", &ctx(30))
        .unwrap();
    doc.close(&ctx(90)).unwrap();

    let s = doc.read().unwrap();
    assert_eq!(s.schema, 1);
    let bytes = doc.save();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/session-v1.automerge");
    std::fs::write(path, &bytes).unwrap();
    println!("{} bytes, {} proposals, total {}", bytes.len(), s.proposals.len(), s.attendance.total());
}
