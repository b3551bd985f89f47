//! The gender report against counts made here, straight from the sessions two test tablets
//! wrote and synced (one session edited on both, offline, merged), and from the needs this
//! test made: never from the server's tables. Proposals withdrawn on a tablet, a need merged
//! away (closed), an unknown douar and proposals without sector or douar are in it. The XLSX
//! holds the same figures; roles; CSV refused.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use serde_json::{Value, json};
use tachkhis_shared::{
    AttendanceCategory, GroupKind, Sector,
    api::gender::{ByGroup, GenderReport, GenderRow, mostly},
    session::{NewSession, ProposalInput, Session, SessionDoc},
    sync::State,
};
use uuid::Uuid;

use crate::helpers::{Tablet, TestApp, spawn_app};

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn session(tablet: &mut Tablet, pole: &str, douar: &str, group: GroupKind) -> Uuid {
    let id = Uuid::new_v4();
    let init = NewSession {
        pole_id: pole.into(),
        douar_ids: vec![douar.into()],
        group_kind: group,
        date: "2022-08-02".into(),
        facilitators: "سعاد".into(),
    };
    let ctx = tablet.ctx();
    let doc = SessionDoc::create(id, &init, &ctx, None).unwrap();
    tablet.docs.insert(id, (doc, State::new()));
    id
}

fn proposal(
    tablet: &mut Tablet,
    session: Uuid,
    problem: &str,
    sector: Option<Sector>,
    douar: Option<&str>,
) -> Uuid {
    let ctx = tablet.ctx();
    let input = ProposalInput {
        problem: problem.into(),
        solution: "الحل".into(),
        sector,
        douar_id: douar.map(String::from),
        raised_by: String::new(),
    };
    tablet.doc(session).add_proposal(&input, &ctx).unwrap()
}

fn attend(tablet: &mut Tablet, session: Uuid, category: AttendanceCategory, n: i64) {
    let ctx = tablet.ctx();
    tablet
        .doc(session)
        .add_attendance(category, n, &ctx)
        .unwrap();
}

/// What the report should say about one row, computed here.
#[derive(Default, Debug)]
struct Expect {
    proposals: [i64; 7],
    /// need → its proposals in the row by group kind
    needs: BTreeMap<i64, [i64; 7]>,
}

impl Expect {
    fn check(&self, row: &GenderRow, what: &str) {
        assert_eq!(
            row.proposals,
            ByGroup::from_array(self.proposals),
            "{what}: proposals by group"
        );
        let mut needs = [0i64; 7];
        for by in self.needs.values() {
            for g in 0..7 {
                if by[g] > 0 {
                    needs[g] += 1;
                }
            }
        }
        assert_eq!(
            row.needs,
            ByGroup::from_array(needs),
            "{what}: needs by group"
        );
        assert_eq!(row.needs_total, self.needs.len() as i64, "{what}: needs");
        let women: BTreeSet<i64> = self
            .needs
            .iter()
            .filter(|(_, by)| mostly(by[0], by.iter().sum()))
            .map(|(n, _)| *n)
            .collect();
        let got: BTreeSet<i64> = row.women_needs.iter().map(|n| n.need_id).collect();
        assert_eq!(got, women, "{what}: needs raised mostly by women");
        for n in &row.women_needs {
            let by = self.needs[&n.need_id];
            assert_eq!(
                (n.proposals, n.from_women, n.from_men),
                (by.iter().sum(), by[0], by[1]),
                "{what}: need {}",
                n.need_id
            );
        }
    }
}

fn group_index(kind: &GroupKind) -> usize {
    [
        GroupKind::Women,
        GroupKind::Men,
        GroupKind::Youth,
        GroupKind::Disability,
        GroupKind::Associations,
        GroupKind::Mixed,
    ]
    .iter()
    .position(|g| g == kind)
    .unwrap_or(6)
}

async fn get_bytes(app: &TestApp, path: &str, token: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut req = app.http.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ctype, r.bytes().await.unwrap().to_vec())
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    let r = app
        .http
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn new_need(app: &TestApp, office: &str, title: &str, ids: &[Uuid]) -> i64 {
    let (st, body) = post(
        app,
        "/api/needs",
        office,
        json!({"title": title, "proposal_ids": ids}),
    )
    .await;
    assert_eq!(st, 201, "{body}");
    body["need_id"].as_i64().unwrap()
}

async fn project_id(app: &TestApp, token: &str, number: i64) -> i64 {
    let (st, p) = app
        .get_json(&format!("/api/projects/by-number/{number}"), token)
        .await;
    assert_eq!(st, 200, "{p}");
    p["id"].as_i64().unwrap()
}

#[tokio::test]
async fn the_gender_report_equals_counts_made_from_the_synced_sessions() {
    let app = spawn_app().await;
    let facilitator = app.login("facilitator").await;
    let office = app.login("office").await;
    let committee = app.login("committee").await;
    let mut a = Tablet::new("facilitator");
    let mut b = Tablet::new("facilitator");

    // Sessions over four poles and every group kind; each writes attendance and proposals in
    // several sectors (and none), in its douar, in no douar, or in one the commune does not
    // know.
    let places: &[(&str, &str, GroupKind)] = &[
        ("pole-1", "centre", GroupKind::Women),
        ("pole-1", "letnine", GroupKind::Men),
        ("pole-1", "el-mjalaa", GroupKind::Youth),
        ("pole-2", "ouled-skir", GroupKind::Women),
        ("pole-2", "el-jrif", GroupKind::Mixed),
        ("pole-2", "jorf-el-hammam", GroupKind::Disability),
        ("pole-3", "idouz", GroupKind::Women),
        ("pole-3", "ait-abbou", GroupKind::Men),
        ("pole-3", "idouz", GroupKind::Associations),
        ("pole-4", "ait-lami", GroupKind::Women),
        ("pole-4", "ait-said", GroupKind::Men),
    ];
    let sectors = [
        Some(Sector::DrinkingWater),
        Some(Sector::Roads),
        Some(Sector::Health),
        Some(Sector::WomenFamily),
        None,
        Some(Sector::DrinkingWater),
    ];
    let mut sessions = Vec::new();
    let mut by_session: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (i, (pole, douar, group)) in places.iter().enumerate() {
        let tablet = if i % 2 == 0 { &mut a } else { &mut b };
        let s = session(tablet, pole, douar, group.clone());
        let n = 3 + i % 4;
        for k in 0..n {
            let where_ = match (i + k) % 5 {
                3 => None,
                4 if i == 4 => Some("douar-pas-connu"),
                _ => Some(*douar),
            };
            let p = proposal(
                tablet,
                s,
                &format!("مشكل {i}-{k}"),
                sectors[(i + k) % sectors.len()].clone(),
                where_,
            );
            by_session.entry(s).or_default().push(p);
        }
        let w = 5 + i as i64;
        attend(tablet, s, AttendanceCategory::Women, w);
        attend(tablet, s, AttendanceCategory::Men, 12 - i as i64);
        attend(tablet, s, AttendanceCategory::YouthWomen, (i % 3) as i64);
        attend(tablet, s, AttendanceCategory::YouthMen, (i % 2) as i64);
        attend(
            tablet,
            s,
            AttendanceCategory::DisabledWomen,
            (i % 4 == 1) as i64,
        );
        attend(
            tablet,
            s,
            AttendanceCategory::DisabledMen,
            (i % 5 == 2) as i64,
        );
        sessions.push(s);
    }
    // A withdrawn proposal from the start.
    let gone = by_session[&sessions[1]][0];
    let ctx = b.ctx();
    b.doc(sessions[1])
        .set_proposal_deleted(gone, true, &ctx)
        .unwrap();
    a.sync(&app, &facilitator).await.unwrap();
    b.sync(&app, &facilitator).await.unwrap();
    // The first women's session edited on both tablets offline: counts and proposals merge.
    let shared = sessions[0];
    b.receive_copy(&mut a, shared);
    attend(&mut a, shared, AttendanceCategory::Women, 4);
    attend(&mut b, shared, AttendanceCategory::Women, 3);
    attend(&mut b, shared, AttendanceCategory::DisabledWomen, 2);
    let pa = proposal(
        &mut a,
        shared,
        "حضانة",
        Some(Sector::WomenFamily),
        Some("centre"),
    );
    let pb = proposal(&mut b, shared, "طريق", Some(Sector::Roads), Some("centre"));
    by_session.get_mut(&shared).unwrap().extend([pa, pb]);
    a.sync(&app, &facilitator).await.unwrap();
    b.sync(&app, &facilitator).await.unwrap();
    a.sync(&app, &facilitator).await.unwrap();

    // Needs made by the office: one mostly women's, one only women's, one mostly men's, one
    // merged into another (it closes), and a proposal withdrawn after it was placed.
    let props = |s: usize| by_session[&sessions[s]].clone();
    // women 0, 3, 6, 9; men 1, 7, 10; youth 2; mixed 4; disability 5; associations 8
    let w1 = new_need(
        &app,
        &office,
        "الماء الصالح للشرب",
        &[props(0)[0], props(3)[0], props(6)[0], props(7)[0]],
    )
    .await;
    let w2 = new_need(&app, &office, "حضانة", &[pa, props(9)[1], props(3)[1]]).await;
    let m1 = new_need(
        &app,
        &office,
        "الطريق",
        &[props(1)[1], props(7)[1], props(10)[0], props(9)[0], pb],
    )
    .await;
    let closing = new_need(&app, &office, "صحة", &[props(2)[0], props(4)[0]]).await;
    let mixed = new_need(
        &app,
        &office,
        "مستوصف",
        &[props(5)[0], props(8)[0], props(6)[1]],
    )
    .await;
    let (st, body) = post(
        &app,
        &format!("/api/needs/{mixed}/merge"),
        &office,
        json!({"need_ids": [closing], "proposal_ids": []}),
    )
    .await;
    assert_eq!(st, 200, "{body}");
    let withdrawn_later = props(6)[0];
    let ctx = a.ctx();
    a.doc(sessions[6])
        .set_proposal_deleted(withdrawn_later, true, &ctx)
        .unwrap();
    a.sync(&app, &facilitator).await.unwrap();
    let mut members: HashMap<Uuid, i64> = HashMap::new();
    for (need, ids) in [
        (w1, vec![props(0)[0], props(3)[0], props(6)[0], props(7)[0]]),
        (w2, vec![pa, props(9)[1], props(3)[1]]),
        (
            m1,
            vec![props(1)[1], props(7)[1], props(10)[0], props(9)[0], pb],
        ),
        // The merge moved the closed need's proposals into `mixed`.
        (
            mixed,
            vec![
                props(5)[0],
                props(8)[0],
                props(6)[1],
                props(2)[0],
                props(4)[0],
            ],
        ),
    ] {
        for id in ids {
            members.insert(id, need);
        }
    }
    // Projects: 1 answers the women's needs, 2 the men's, 3 both (5 of 8 proposals from
    // women), 4 the need of every group (1 of 5 from women).
    let linked: &[(i64, &[i64])] = &[(1, &[w1, w2]), (2, &[m1]), (3, &[w2, m1]), (4, &[mixed])];
    for (number, needs) in linked {
        let project = project_id(&app, &office, *number).await;
        for need in *needs {
            let (st, body) = post(
                &app,
                &format!("/api/needs/{need}/projects"),
                &office,
                json!({"project_id": project}),
            )
            .await;
            assert!(st == 200 || st == 201, "{st} {body}");
        }
    }

    // The expected figures, from the tablets' own documents (both hold every session now).
    let mut docs: BTreeMap<Uuid, Session> = BTreeMap::new();
    for t in [&mut a, &mut b] {
        for (id, (doc, _)) in t.docs.iter() {
            let s = doc.read().unwrap();
            docs.entry(*id)
                .and_modify(|old| {
                    if s.proposals.len() > old.proposals.len() {
                        *old = s.clone()
                    }
                })
                .or_insert(s);
        }
    }
    assert_eq!(docs.len(), places.len());
    let mut by_sector: BTreeMap<String, Expect> = BTreeMap::new();
    let mut by_pole: BTreeMap<String, Expect> = BTreeMap::new();
    let mut by_douar: BTreeMap<String, Expect> = BTreeMap::new();
    let mut total = Expect::default();
    let mut attendance: BTreeMap<String, [i64; 6]> = BTreeMap::new();
    let mut sessions_by_pole: BTreeMap<String, [i64; 7]> = BTreeMap::new();
    // project number → (proposals, from women, sessions, women's sessions)
    let mut projects: BTreeMap<i64, (i64, i64, BTreeSet<Uuid>, BTreeSet<Uuid>)> = BTreeMap::new();
    for s in docs.values() {
        let g = group_index(&s.meta.group_kind);
        let pole = s.meta.pole_id.clone();
        sessions_by_pole.entry(pole.clone()).or_default()[g] += 1;
        let att = attendance.entry(pole.clone()).or_default();
        for (i, c) in AttendanceCategory::ALL.iter().enumerate() {
            att[i] += s.attendance.get(c.clone());
        }
        for p in s.proposals.iter().filter(|p| !p.deleted) {
            let need = members.get(&p.id).copied();
            let mut rows: Vec<&mut Expect> = vec![&mut total];
            rows.push(by_pole.entry(pole.clone()).or_default());
            let sector = p.sector.as_ref().map(|s| s.code().to_string());
            rows.push(by_sector.entry(sector.unwrap_or_default()).or_default());
            if let Some(d) = &p.douar_id {
                rows.push(by_douar.entry(d.clone()).or_default());
            }
            for e in rows {
                e.proposals[g] += 1;
                if let Some(n) = need {
                    e.needs.entry(n).or_default()[g] += 1;
                }
            }
            for (number, needs) in linked {
                if need.is_some_and(|n| needs.contains(&n)) {
                    let e = projects.entry(*number).or_default();
                    e.0 += 1;
                    e.2.insert(s.id);
                    if g == 0 {
                        e.1 += 1;
                        e.3.insert(s.id);
                    }
                }
            }
        }
    }
    // The data has what the report is about: withdrawn proposals, needs only and mostly by
    // women and one that is not, a project above half and one below.
    assert_eq!(total.needs.len(), 4);
    assert!(mostly(total.needs[&w1][0], total.needs[&w1].iter().sum()));
    assert_eq!(total.needs[&w2][0], total.needs[&w2].iter().sum::<i64>());
    assert!(!mostly(total.needs[&m1][0], total.needs[&m1].iter().sum()));

    // The report, as the committee reads it.
    let (st, body) = app.get_json("/api/reports/gender", &committee).await;
    assert_eq!(st, 200, "{body}");
    let report: GenderReport = serde_json::from_value(body).unwrap();
    total.check(&report.total, "commune");
    let empty = Expect::default();
    for row in &report.by_sector {
        let e = by_sector.get(&row.key).unwrap_or(&empty);
        e.check(row, &format!("sector {}", row.key));
    }
    let keys: BTreeSet<&str> = report.by_sector.iter().map(|r| r.key.as_str()).collect();
    assert!(by_sector.keys().all(|k| keys.contains(k.as_str())));
    assert!(keys.contains(""), "proposals without a sector have a row");
    for row in &report.by_pole {
        by_pole
            .get(&row.key)
            .unwrap_or(&empty)
            .check(row, &format!("pole {}", row.key));
    }
    for row in &report.by_douar {
        by_douar
            .get(&row.key)
            .unwrap_or(&empty)
            .check(row, &format!("douar {}", row.key));
    }
    let douars: BTreeSet<&str> = report.by_douar.iter().map(|r| r.key.as_str()).collect();
    assert!(by_douar.keys().all(|k| douars.contains(k.as_str())));
    let unknown = report
        .by_douar
        .iter()
        .find(|r| r.key == "douar-pas-connu")
        .expect("the unknown douar has its row");
    assert!(unknown.unknown && unknown.proposals.total() > 0);
    // Per-pole and commune sums agree.
    let sum: i64 = report.by_pole.iter().map(|r| r.proposals.total()).sum();
    assert_eq!(sum, report.total.proposals.total());

    for p in &report.participation {
        let att = attendance.get(&p.pole_id).copied().unwrap_or_default();
        assert_eq!(
            [
                p.women,
                p.men,
                p.youth_women,
                p.youth_men,
                p.disabled_women,
                p.disabled_men
            ],
            att,
            "attendance of {}",
            p.pole_id
        );
        assert_eq!(
            p.sessions,
            ByGroup::from_array(
                sessions_by_pole
                    .get(&p.pole_id)
                    .copied()
                    .unwrap_or_default()
            ),
            "sessions of {}",
            p.pole_id
        );
    }
    let women: i64 = attendance.values().map(|a| a[0]).sum();
    assert_eq!(report.participation_total.women, women);
    assert_eq!(
        report.participation_total.sessions.total(),
        places.len() as i64
    );
    // The two tablets' counts of the shared session added up.
    assert_eq!(
        docs[&shared].attendance.get(AttendanceCategory::Women),
        5 + 7
    );

    let expected_projects: Vec<(i64, i64, i64, i64, i64)> = projects
        .iter()
        .filter(|(_, e)| mostly(e.1, e.0))
        .map(|(n, e)| (*n, e.0, e.1, e.2.len() as i64, e.3.len() as i64))
        .collect();
    let got: Vec<(i64, i64, i64, i64, i64)> = report
        .projects
        .iter()
        .map(|p| {
            (
                p.number,
                p.proposals,
                p.from_women,
                p.sessions,
                p.women_sessions,
            )
        })
        .collect();
    // Listed in the order of the saved ranking the Priorities screen shows, each with its rank.
    let (st, priorities) = app.get_json("/api/priorities", &committee).await;
    assert_eq!(st, 200);
    let priorities: tachkhis_shared::api::priorities::Priorities =
        serde_json::from_value(priorities).unwrap();
    let rank_of = |number: i64| {
        priorities
            .ranking
            .iter()
            .find(|r| r.number == number)
            .map(|r| r.rank)
    };
    let mut expected_projects = expected_projects;
    expected_projects.sort_by_key(|p| (rank_of(p.0).is_none(), rank_of(p.0), p.0));
    assert_eq!(got, expected_projects);
    let mut numbers = got.iter().map(|p| p.0).collect::<Vec<_>>();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        vec![1, 3],
        "projects 1 (women's needs) and 3 (5 of 8 proposals from women) only"
    );
    for p in &report.projects {
        assert_eq!(p.rank, rank_of(p.number), "project {}'s rank", p.number);
    }

    // The XLSX holds the same figures.
    let (st, ctype, bytes) =
        get_bytes(&app, "/api/reports/gender?format=xlsx", Some(&committee)).await;
    assert_eq!(st, 200);
    assert_eq!(ctype, XLSX_TYPE);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    assert_eq!(names.len(), 6, "{names:?}");
    let num = |d: &Data| match d {
        Data::Float(f) => *f as i64,
        Data::Int(i) => *i,
        other => panic!("not a number: {other:?}"),
    };
    for (sheet, rows) in [
        (&names[0], &report.by_sector),
        (&names[1], &report.by_pole),
        (&names[2], &report.by_douar),
    ] {
        let range = book.worksheet_range(sheet).unwrap();
        let lines: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        assert_eq!(lines.len(), rows.len() + 2, "{sheet}: header, rows, total");
        for (line, row) in lines[1..].iter().zip(rows.iter().chain([&report.total])) {
            assert_eq!(line[0].to_string(), row.key, "{sheet}");
            let got: Vec<i64> = line[3..19].iter().map(num).collect();
            let mut want: Vec<i64> = row.proposals.to_array().to_vec();
            want.push(row.proposals.total());
            want.extend(row.needs.to_array());
            want.push(row.needs_total);
            assert_eq!(got, want, "{sheet}: {}", row.key);
        }
    }
    let range = book.worksheet_range(&names[3]).unwrap();
    let lines: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    for (line, p) in lines[1..].iter().zip(
        report
            .participation
            .iter()
            .chain([&report.participation_total]),
    ) {
        assert_eq!(
            line[3..10].iter().map(num).collect::<Vec<_>>(),
            vec![
                p.women,
                p.men,
                p.women + p.men,
                p.youth_women,
                p.youth_men,
                p.disabled_women,
                p.disabled_men
            ]
        );
        assert_eq!(
            line[10..17].iter().map(num).collect::<Vec<_>>(),
            p.sessions.to_array().to_vec()
        );
    }
    let range = book.worksheet_range(&names[4]).unwrap();
    assert_eq!(range.rows().count(), report.total.women_needs.len() + 1);
    let range = book.worksheet_range(&names[5]).unwrap();
    let lines: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    assert_eq!(lines.len(), report.projects.len() + 1);
    assert_eq!(
        lines[1]
            .iter()
            .enumerate()
            .filter(|(i, _)| ![2, 3].contains(i))
            .map(|(_, d)| num(d))
            .collect::<Vec<_>>(),
        vec![
            i64::from(report.projects[0].rank.expect("ranked")),
            expected_projects[0].0,
            report.projects[0].needs,
            expected_projects[0].1,
            expected_projects[0].2,
            expected_projects[0].3,
            expected_projects[0].4
        ]
    );

    // Roles: the office and the admin read it; a facilitator does not; no login is 401; CSV
    // is refused in words.
    for (user, status) in [("admin", 200), ("office", 200), ("facilitator", 403)] {
        let token = app.login(user).await;
        let (st, _, _) = get_bytes(&app, "/api/reports/gender?format=xlsx", Some(&token)).await;
        assert_eq!(st, status, "{user}, XLSX");
        let (st, _) = app.get_json("/api/reports/gender", &token).await;
        assert_eq!(st, status, "{user}, JSON");
    }
    let (st, _, _) = get_bytes(&app, "/api/reports/gender", None).await;
    assert_eq!(st, 401);
    let (st, body) = app
        .get_json("/api/reports/gender?format=csv", &office)
        .await;
    assert_eq!(st, 400);
    assert_eq!(body["error"], "bad_format");
    let (st, body) = app
        .get_json("/api/reports/gender?format=pdf", &office)
        .await;
    assert_eq!((st, body["error"].as_str()), (400, Some("bad_format")));
}
