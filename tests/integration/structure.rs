//! The programme's structure through the HTTP API: the office creates, renames, reorders,
//! moves and deletes axes and programmes on the seed programme; every change is in the office's
//! log and the audit log and undoes exactly; an undo that a later change would corrupt is
//! refused; deletes of what is not empty, other roles and bad input change nothing.

use std::io::Write as _;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// A refused request: method, path, body, status, error code and what the message says.
type Case = (
    Method,
    String,
    Option<Value>,
    u16,
    &'static str,
    &'static str,
);

/// The tree's axes as (id, name_ar, [(programme id, name_ar, projects)]), in order.
type Shape = Vec<(i64, String, Vec<(i64, String, i64)>)>;

async fn shape(app: &TestApp, token: &str) -> Shape {
    let (status, tree) = app.get_json("/api/programme", token).await;
    assert_eq!(status, 200, "{tree}");
    tree["axes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let programmes = a["programmes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["id"].as_i64().unwrap(),
                        p["name_ar"].as_str().unwrap().to_string(),
                        p["totals"]["projects"].as_i64().unwrap(),
                    )
                })
                .collect();
            (
                a["id"].as_i64().unwrap(),
                a["name_ar"].as_str().unwrap().to_string(),
                programmes,
            )
        })
        .collect()
}

fn axis_ids(s: &Shape) -> Vec<i64> {
    s.iter().map(|a| a.0).collect()
}

fn programme_ids(s: &Shape, axis: i64) -> Vec<i64> {
    s.iter()
        .find(|a| a.0 == axis)
        .map(|a| a.2.iter().map(|p| p.0).collect())
        .unwrap_or_default()
}

/// The axis a programme is in, and its name.
fn programme_of(s: &Shape, programme: i64) -> Option<(i64, String)> {
    s.iter().find_map(|a| {
        a.2.iter()
            .find(|p| p.0 == programme)
            .map(|p| (a.0, p.1.clone()))
    })
}

async fn ok(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> Value {
    let (status, answer) = app.send(method.clone(), path, token, body).await;
    assert!(
        status == 200 || status == 201,
        "{method} {path} → {status} {answer}"
    );
    assert!(answer["action_id"].as_i64().is_some(), "{answer}");
    answer
}

async fn undo(app: &TestApp, token: &str, action: &Value) -> (u16, Value) {
    let id = action["action_id"].as_i64().unwrap();
    app.post(&format!("/api/actions/{id}/undo"), token, json!({}))
        .await
}

async fn undone(app: &TestApp, token: &str, action: &Value) {
    let (status, answer) = undo(app, token, action).await;
    assert_eq!(status, 200, "undo of {action}: {answer}");
}

/// The office log's entry of an action.
async fn log_entry(app: &TestApp, token: &str, action: &Value) -> Value {
    let (status, log) = app.get_json("/api/actions?limit=1000", token).await;
    assert_eq!(status, 200);
    log.as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == action["action_id"])
        .cloned()
        .unwrap_or_else(|| panic!("{action} is in the log"))
}

/// Every action of each kind, each undone in turn; the tree after each step, the log and the
/// audit log.
#[tokio::test]
async fn every_change_is_logged_and_undoes_exactly() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let seed = shape(&app, &office).await;
    assert_eq!(seed.len(), 2, "the seed has two axes");
    let actions_before = app.count("SELECT count(*) FROM consolidation_actions");

    // A new axis, last; names trimmed.
    let axis = ok(
        &app,
        Method::POST,
        "/api/axes",
        &office,
        Some(json!({"name_ar": "  محور البيئة ", "name_fr": "Environnement"})),
    )
    .await;
    let a3 = axis["id"].as_i64().unwrap();
    let s = shape(&app, &office).await;
    assert_eq!(s.len(), 3);
    assert_eq!((s[2].0, s[2].1.as_str()), (a3, "محور البيئة"));
    let entry = log_entry(&app, &office, &axis).await;
    assert_eq!(entry["kind"], "axis_create");
    assert_eq!(entry["can_undo"], true);
    assert!(entry["detail"].as_str().unwrap().contains("محور البيئة"));

    // Two programmes in it, each last.
    let p1 = ok(
        &app,
        Method::POST,
        "/api/programmes",
        &office,
        Some(json!({"axis_id": a3, "name_ar": "الغابات", "name_fr": "Forêts"})),
    )
    .await;
    let p2 = ok(
        &app,
        Method::POST,
        "/api/programmes",
        &office,
        Some(json!({"axis_id": a3, "name_ar": "الماء والتطهير"})),
    )
    .await;
    let (p1_id, p2_id) = (p1["id"].as_i64().unwrap(), p2["id"].as_i64().unwrap());
    let s = shape(&app, &office).await;
    assert_eq!(programme_ids(&s, a3), [p1_id, p2_id]);

    // Renames.
    let renamed_axis = ok(
        &app,
        Method::PUT,
        &format!("/api/axes/{a3}"),
        &office,
        Some(json!({"name_ar": "البيئة والتنمية المستدامة", "name_fr": "Environnement durable"})),
    )
    .await;
    let renamed = ok(
        &app,
        Method::PUT,
        &format!("/api/programmes/{p1_id}"),
        &office,
        Some(json!({"name_ar": "الغابات والمراعي", "name_fr": "Forêts et parcours"})),
    )
    .await;
    let s = shape(&app, &office).await;
    assert_eq!(s[2].1, "البيئة والتنمية المستدامة");
    assert_eq!(programme_of(&s, p1_id).unwrap().1, "الغابات والمراعي");

    // Reorders: the new axis first, its programmes swapped.
    let mut order = axis_ids(&s);
    order.rotate_right(1);
    let reordered_axes = ok(
        &app,
        Method::PUT,
        "/api/axes/order",
        &office,
        Some(json!({ "ids": order })),
    )
    .await;
    let reordered = ok(
        &app,
        Method::PUT,
        &format!("/api/axes/{a3}/programmes/order"),
        &office,
        Some(json!({ "ids": [p2_id, p1_id] })),
    )
    .await;
    let s = shape(&app, &office).await;
    assert_eq!(axis_ids(&s), order);
    assert_eq!(programme_ids(&s, a3), [p2_id, p1_id]);

    // A seed programme, with its projects and their totals, moves to the new axis.
    let (seed_axis, seed_programme, seed_projects) = (seed[0].0, seed[0].2[1].0, seed[0].2[1].2);
    assert!(seed_projects > 0);
    let moved = ok(
        &app,
        Method::POST,
        &format!("/api/programmes/{seed_programme}/move"),
        &office,
        Some(json!({ "axis_id": a3 })),
    )
    .await;
    let s = shape(&app, &office).await;
    assert_eq!(programme_ids(&s, a3), [p2_id, p1_id, seed_programme]);
    assert_eq!(programme_of(&s, seed_programme).unwrap().0, a3);
    let (_, tree) = app.get_json("/api/programme", &office).await;
    let axis_json = tree["axes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == a3)
        .unwrap()
        .clone();
    assert_eq!(axis_json["totals"]["projects"], seed_projects);
    let (_, table) = app.get_json("/api/reports/programme-table", &office).await;
    let row = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["programme_id"] == seed_programme)
        .unwrap();
    assert_eq!(row["axis_id"], a3, "the programme table follows the move");

    // Deleting an empty programme.
    let deleted = ok(
        &app,
        Method::DELETE,
        &format!("/api/programmes/{p2_id}"),
        &office,
        None,
    )
    .await;
    let s = shape(&app, &office).await;
    assert_eq!(programme_ids(&s, a3), [p1_id, seed_programme]);

    // Every action is in the log (kinds) and in the audit log.
    let kinds: Vec<String> = {
        let (_, log) = app.get_json("/api/actions?limit=50", &office).await;
        log.as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    };
    for kind in [
        "axis_create",
        "programme_create",
        "axis_rename",
        "programme_rename",
        "axis_reorder",
        "programme_reorder",
        "programme_move",
        "programme_delete",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
        assert!(
            app.count(&format!(
                "SELECT count(*) FROM audit_log WHERE action = 'programme.{kind}'"
            )) >= 1,
            "{kind} audited"
        );
    }
    let (status, audit) = app.get_json("/api/audit?limit=5", &office).await;
    assert_eq!(status, 200);
    assert!(audit.to_string().contains("programme.programme_delete"));

    // Undo, newest first: each step brings back exactly the state before.
    undone(&app, &office, &deleted).await;
    let s = shape(&app, &office).await;
    assert_eq!(programme_ids(&s, a3), [p2_id, p1_id, seed_programme]);
    assert_eq!(programme_of(&s, p2_id).unwrap().1, "الماء والتطهير");

    undone(&app, &office, &moved).await;
    let s = shape(&app, &office).await;
    assert_eq!(
        programme_ids(&s, seed_axis),
        programme_ids(&seed, seed_axis)
    );
    assert_eq!(programme_ids(&s, a3), [p2_id, p1_id]);

    undone(&app, &office, &reordered).await;
    undone(&app, &office, &reordered_axes).await;
    let s = shape(&app, &office).await;
    assert_eq!(programme_ids(&s, a3), [p1_id, p2_id]);
    assert_eq!(axis_ids(&s)[..2], axis_ids(&seed)[..]);

    undone(&app, &office, &renamed).await;
    undone(&app, &office, &renamed_axis).await;
    let s = shape(&app, &office).await;
    assert_eq!(s[2].1, "محور البيئة");
    assert_eq!(programme_of(&s, p1_id).unwrap().1, "الغابات");
    let (_, tree) = app.get_json("/api/programme", &office).await;
    assert_eq!(tree["axes"][2]["name_fr"], "Environnement");

    undone(&app, &office, &p2).await;
    undone(&app, &office, &p1).await;
    undone(&app, &office, &axis).await;
    assert_eq!(
        shape(&app, &office).await,
        seed,
        "every undo, and the seed is back"
    );

    // Each action is marked undone and cannot be undone again; an undo cannot be undone.
    let entry = log_entry(&app, &office, &axis).await;
    assert!(entry["undone_by"].as_i64().is_some());
    assert_eq!(entry["can_undo"], false);
    let (status, again) = undo(&app, &office, &axis).await;
    assert_eq!(status, 409, "{again}");
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("already undone")
    );
    let undo_action = json!({ "action_id": entry["undone_by"] });
    let (status, answer) = undo(&app, &office, &undo_action).await;
    assert_eq!(status, 409, "{answer}");
    // Nine changes and their nine undos.
    assert_eq!(
        app.count("SELECT count(*) FROM consolidation_actions") - actions_before,
        18
    );
    assert_eq!(
        app.count("SELECT count(*) FROM consolidation_actions WHERE kind = 'undo'"),
        9
    );
}

/// An undo whose effect a later change altered is refused with a reason, and changes nothing;
/// once the later change is undone, it goes through.
#[tokio::test]
async fn undo_refused_when_later_changes_touch_the_same_things() {
    let app = spawn_app().await;
    let office = app.login("admin").await;
    let seed = shape(&app, &office).await;
    let (a1, a2) = (seed[0].0, seed[1].0);
    let refused = |answer: &Value, says: &str| {
        let message = answer["message"].as_str().unwrap_or_default().to_string();
        assert_eq!(answer["error"], "conflict", "{answer}");
        assert!(message.contains(says), "{message:?} says {says:?}");
    };

    // Renamed twice: the first rename cannot be undone before the second.
    let p = seed[1].2[0].0;
    let first = ok(
        &app,
        Method::PUT,
        &format!("/api/programmes/{p}"),
        &office,
        Some(json!({"name_ar": "اسم أول"})),
    )
    .await;
    let second = ok(
        &app,
        Method::PUT,
        &format!("/api/programmes/{p}"),
        &office,
        Some(json!({"name_ar": "اسم ثان"})),
    )
    .await;
    assert_eq!(log_entry(&app, &office, &first).await["can_undo"], false);
    let before = shape(&app, &office).await;
    let (status, answer) = undo(&app, &office, &first).await;
    assert_eq!(status, 409);
    refused(&answer, "renamed since");
    assert_eq!(
        shape(&app, &office).await,
        before,
        "a refused undo changes nothing"
    );
    undone(&app, &office, &second).await;
    assert_eq!(log_entry(&app, &office, &first).await["can_undo"], true);
    undone(&app, &office, &first).await;
    assert_eq!(shape(&app, &office).await, seed);

    // A new axis that received a programme since cannot be un-created.
    let axis = ok(
        &app,
        Method::POST,
        "/api/axes",
        &office,
        Some(json!({"name_ar": "محور جديد"})),
    )
    .await;
    let a3 = axis["id"].as_i64().unwrap();
    let moved = ok(
        &app,
        Method::POST,
        &format!("/api/programmes/{p}/move"),
        &office,
        Some(json!({"axis_id": a3})),
    )
    .await;
    let (status, answer) = undo(&app, &office, &axis).await;
    assert_eq!(status, 409);
    refused(&answer, "programme(s) since");

    // Moved again: the first move cannot be undone before the second.
    let again = ok(
        &app,
        Method::POST,
        &format!("/api/programmes/{p}/move"),
        &office,
        Some(json!({"axis_id": a1})),
    )
    .await;
    let (status, answer) = undo(&app, &office, &moved).await;
    assert_eq!(status, 409);
    refused(&answer, "moved to another axis since");
    undone(&app, &office, &again).await;

    // Axes reordered twice: the first order cannot be undone before the second.
    let mut order = axis_ids(&shape(&app, &office).await);
    order.reverse();
    let first_order = ok(
        &app,
        Method::PUT,
        "/api/axes/order",
        &office,
        Some(json!({ "ids": order })),
    )
    .await;
    order.rotate_left(1);
    let second_order = ok(
        &app,
        Method::PUT,
        "/api/axes/order",
        &office,
        Some(json!({ "ids": order })),
    )
    .await;
    let (status, answer) = undo(&app, &office, &first_order).await;
    assert_eq!(status, 409);
    refused(&answer, "reordered since");
    undone(&app, &office, &second_order).await;
    undone(&app, &office, &first_order).await;

    // The programmes left in a2 reordered while p is away: undoing the move touches p only,
    // so both undos go through, in either order.
    let order: Vec<i64> = programme_ids(&seed, a2)
        .into_iter()
        .filter(|id| *id != p)
        .rev()
        .collect();
    let reorder = ok(
        &app,
        Method::PUT,
        &format!("/api/axes/{a2}/programmes/order"),
        &office,
        Some(json!({ "ids": order })),
    )
    .await;
    undone(&app, &office, &moved).await;
    assert_eq!(log_entry(&app, &office, &reorder).await["can_undo"], true);
    undone(&app, &office, &reorder).await;
    undone(&app, &office, &axis).await;
    assert_eq!(shape(&app, &office).await, seed);

    // A programme moved to a new axis, whose old axis is then emptied and deleted: undoing the
    // move is refused until the axis's deletion is undone.
    let lone = ok(
        &app,
        Method::POST,
        "/api/axes",
        &office,
        Some(json!({"name_ar": "محور مؤقت"})),
    )
    .await;
    let lone_id = lone["id"].as_i64().unwrap();
    let target = ok(
        &app,
        Method::POST,
        "/api/axes",
        &office,
        Some(json!({"name_ar": "محور الوصول"})),
    )
    .await;
    let target_id = target["id"].as_i64().unwrap();
    let prog = ok(
        &app,
        Method::POST,
        "/api/programmes",
        &office,
        Some(json!({"axis_id": lone_id, "name_ar": "برنامج متنقل"})),
    )
    .await;
    let prog_id = prog["id"].as_i64().unwrap();
    let went = ok(
        &app,
        Method::POST,
        &format!("/api/programmes/{prog_id}/move"),
        &office,
        Some(json!({"axis_id": target_id})),
    )
    .await;
    let gone = ok(
        &app,
        Method::DELETE,
        &format!("/api/axes/{lone_id}"),
        &office,
        None,
    )
    .await;
    let (status, answer) = undo(&app, &office, &went).await;
    assert_eq!(status, 409);
    refused(&answer, &format!("axis {lone_id}"));
    refused(&answer, "no longer exists");
    undone(&app, &office, &gone).await;
    undone(&app, &office, &went).await;
    let s = shape(&app, &office).await;
    assert_eq!(programme_of(&s, prog_id).unwrap().0, lone_id);

    // A deleted programme whose name was since given to another cannot come back.
    let del = ok(
        &app,
        Method::DELETE,
        &format!("/api/programmes/{prog_id}"),
        &office,
        None,
    )
    .await;
    let twin = ok(
        &app,
        Method::POST,
        "/api/programmes",
        &office,
        Some(json!({"axis_id": a1, "name_ar": "برنامج متنقل"})),
    )
    .await;
    assert!(
        twin["id"].as_i64().unwrap() > prog_id,
        "a deleted programme's id is not given again"
    );
    let (status, answer) = undo(&app, &office, &del).await;
    assert_eq!(status, 409);
    refused(&answer, "برنامج متنقل");
    undone(&app, &office, &twin).await;
    undone(&app, &office, &del).await;
    let s = shape(&app, &office).await;
    assert_eq!(
        programme_of(&s, prog_id),
        Some((lone_id, "برنامج متنقل".to_string())),
        "back under its own id"
    );

    // Nor is a deleted axis's id.
    let (status, _) = app
        .send(
            Method::DELETE,
            &format!("/api/programmes/{prog_id}"),
            &office,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .send(
            Method::DELETE,
            &format!("/api/axes/{lone_id}"),
            &office,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .send(
            Method::DELETE,
            &format!("/api/axes/{target_id}"),
            &office,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let next = ok(
        &app,
        Method::POST,
        "/api/axes",
        &office,
        Some(json!({"name_ar": "محور آخر"})),
    )
    .await;
    assert!(next["id"].as_i64().unwrap() > target_id);
}

/// Deleting what is not empty, other roles, unknown ids, bad names and bodies: refused with a
/// clear answer, and nothing changes (the tree, the log).
#[tokio::test]
async fn refusals_change_nothing() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let seed = shape(&app, &office).await;
    let (a1, a2) = (seed[0].0, seed[1].0);
    let p = seed[0].2[0].0;
    let logged = || app.count("SELECT count(*) FROM consolidation_actions");
    let log_before = logged();

    // Not empty: 409 with what is in the way.
    let (status, answer) = app
        .send(Method::DELETE, &format!("/api/axes/{a1}"), &office, None)
        .await;
    assert_eq!(status, 409, "{answer}");
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("programme(s)"), "{message}");
    let (status, answer) = app
        .send(
            Method::DELETE,
            &format!("/api/programmes/{p}"),
            &office,
            None,
        )
        .await;
    assert_eq!(status, 409, "{answer}");
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("project(s)"), "{message}");

    // Bodies and ids that do not pass: (method, path, body, status, error code, says).
    let long = "م".repeat(301);
    let taken_axis = seed[1].1.clone();
    let taken_programme = seed[1].2[0].1.clone();
    let cases: Vec<Case> = vec![
        (
            Method::POST,
            "/api/axes".into(),
            Some(json!({"name_ar": "  "})),
            400,
            "invalid_structure",
            "required",
        ),
        (
            Method::POST,
            "/api/axes".into(),
            Some(json!({"name_ar": long})),
            400,
            "invalid_structure",
            "at most",
        ),
        (
            Method::POST,
            "/api/axes".into(),
            Some(json!({"name_ar": "a\u{7}b"})),
            400,
            "invalid_structure",
            "control",
        ),
        (
            Method::POST,
            "/api/axes".into(),
            Some(json!({"name_ar": taken_axis})),
            400,
            "invalid_structure",
            "already axis",
        ),
        (
            Method::POST,
            "/api/axes".into(),
            Some(json!({"name_ar": 5})),
            400,
            "bad_json",
            "",
        ),
        (
            Method::POST,
            "/api/axes".into(),
            Some(json!("محور")),
            400,
            "bad_json",
            "",
        ),
        (Method::POST, "/api/axes".into(), None, 400, "", ""),
        (
            Method::PUT,
            format!("/api/axes/{a1}"),
            Some(json!({"name_ar": ""})),
            400,
            "invalid_structure",
            "required",
        ),
        (
            Method::PUT,
            format!("/api/axes/{a1}"),
            Some(json!({"name_ar": taken_axis})),
            400,
            "invalid_structure",
            "already axis",
        ),
        (
            Method::PUT,
            format!("/api/axes/{a1}"),
            Some(json!({"name_ar": seed[0].1, "name_fr": ""})),
            409,
            "conflict",
            "already has these names",
        ),
        (
            Method::PUT,
            "/api/axes/999".into(),
            Some(json!({"name_ar": "x"})),
            404,
            "not_found",
            "no axis 999",
        ),
        (
            Method::PUT,
            "/api/axes/abc".into(),
            Some(json!({"name_ar": "x"})),
            400,
            "bad_id",
            "",
        ),
        (
            Method::DELETE,
            "/api/axes/999".into(),
            None,
            404,
            "not_found",
            "no axis 999",
        ),
        (
            Method::PUT,
            "/api/axes/order".into(),
            Some(json!({"ids": [a1]})),
            400,
            "invalid_structure",
            "missing",
        ),
        (
            Method::PUT,
            "/api/axes/order".into(),
            Some(json!({"ids": [a1, a2, 999]})),
            400,
            "invalid_structure",
            "not among them: 999",
        ),
        (
            Method::PUT,
            "/api/axes/order".into(),
            Some(json!({"ids": [a1, a2, a1]})),
            400,
            "invalid_structure",
            "more than once",
        ),
        (
            Method::PUT,
            "/api/axes/order".into(),
            Some(json!({"ids": [a1, a2]})),
            409,
            "conflict",
            "already in this order",
        ),
        (
            Method::PUT,
            "/api/axes/order".into(),
            Some(json!({"ids": "1,2"})),
            400,
            "bad_json",
            "",
        ),
        (
            Method::PUT,
            format!("/api/axes/{a1}/programmes/order"),
            Some(json!({"ids": programme_ids(&seed, a2)})),
            400,
            "invalid_structure",
            "not among them",
        ),
        (
            Method::PUT,
            "/api/axes/999/programmes/order".into(),
            Some(json!({"ids": []})),
            404,
            "not_found",
            "no axis 999",
        ),
        (
            Method::POST,
            "/api/programmes".into(),
            Some(json!({"axis_id": 999, "name_ar": "x"})),
            400,
            "invalid_structure",
            "no axis 999",
        ),
        (
            Method::POST,
            "/api/programmes".into(),
            Some(json!({"axis_id": a1, "name_ar": taken_programme})),
            400,
            "invalid_structure",
            "already programme",
        ),
        (
            Method::POST,
            "/api/programmes".into(),
            Some(json!({"axis_id": "1", "name_ar": "x"})),
            400,
            "bad_json",
            "",
        ),
        (
            Method::POST,
            "/api/programmes".into(),
            Some(json!({"name_ar": "x"})),
            400,
            "bad_json",
            "",
        ),
        (
            Method::PUT,
            "/api/programmes/999".into(),
            Some(json!({"name_ar": "x"})),
            404,
            "not_found",
            "no programme 999",
        ),
        (
            Method::PUT,
            format!("/api/programmes/{p}"),
            Some(json!({"name_ar": taken_programme})),
            400,
            "invalid_structure",
            "already programme",
        ),
        (
            Method::POST,
            format!("/api/programmes/{p}/move"),
            Some(json!({"axis_id": a1})),
            409,
            "conflict",
            "already in axis",
        ),
        (
            Method::POST,
            format!("/api/programmes/{p}/move"),
            Some(json!({"axis_id": 999})),
            400,
            "invalid_structure",
            "no axis 999",
        ),
        (
            Method::POST,
            "/api/programmes/999/move".into(),
            Some(json!({"axis_id": a2})),
            404,
            "not_found",
            "no programme 999",
        ),
        (
            Method::POST,
            format!("/api/programmes/{p}/move"),
            Some(json!({"axis_id": null})),
            400,
            "bad_json",
            "",
        ),
        (
            Method::DELETE,
            "/api/programmes/999".into(),
            None,
            404,
            "not_found",
            "no programme 999",
        ),
        (
            Method::POST,
            "/api/actions/99999/undo".into(),
            None,
            404,
            "not_found",
            "",
        ),
    ];
    for (method, path, body, want, code, says) in cases {
        let (status, answer) = app.send(method.clone(), &path, &office, body.clone()).await;
        assert_eq!(status, want, "{method} {path} {body:?}: {answer}");
        if !code.is_empty() {
            assert_eq!(answer["error"], code, "{method} {path} {body:?}: {answer}");
        }
        assert!(
            answer["message"].as_str().is_some_and(|m| m.contains(says)),
            "{method} {path} {body:?}: {answer} says {says:?}"
        );
    }
    // A French name another programme has, compared normalised, is refused too.
    let (status, _) = app
        .post(
            "/api/programmes",
            &office,
            json!({"axis_id": a1, "name_ar": "برنامج", "name_fr": "Santé Publique"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, answer) = app
        .post(
            "/api/programmes",
            &office,
            json!({"axis_id": a2, "name_ar": "برنامج آخر", "name_fr": "  santé publique "}),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        logged() - log_before,
        1,
        "only the one accepted change is logged"
    );

    // Other roles: 403 before anything is read, and no undo of the office's change.
    let (status, created) = app
        .post("/api/axes", &office, json!({"name_ar": "محور المكتب"}))
        .await;
    assert_eq!(status, 201);
    let now = shape(&app, &office).await;
    let log_now = logged();
    for role in ["facilitator", "committee"] {
        let token = app.login(role).await;
        for (method, path, body) in [
            (
                Method::POST,
                "/api/axes".to_string(),
                Some(json!({"name_ar": "محور"})),
            ),
            (
                Method::PUT,
                format!("/api/axes/{a1}"),
                Some(json!({"name_ar": "محور"})),
            ),
            (Method::DELETE, format!("/api/axes/{}", created["id"]), None),
            (
                Method::PUT,
                "/api/axes/order".into(),
                Some(json!({"ids": axis_ids(&now)})),
            ),
            (
                Method::PUT,
                format!("/api/axes/{a1}/programmes/order"),
                Some(json!({"ids": programme_ids(&now, a1)})),
            ),
            (
                Method::POST,
                "/api/programmes".into(),
                Some(json!({"axis_id": a1, "name_ar": "برنامج"})),
            ),
            (
                Method::PUT,
                format!("/api/programmes/{p}"),
                Some(json!({"name_ar": "برنامج"})),
            ),
            (
                Method::POST,
                format!("/api/programmes/{p}/move"),
                Some(json!({"axis_id": a2})),
            ),
            (Method::DELETE, format!("/api/programmes/{p}"), None),
            (
                Method::POST,
                format!("/api/actions/{}/undo", created["action_id"]),
                None,
            ),
        ] {
            let (status, answer) = app.send(method.clone(), &path, &token, body).await;
            assert_eq!(status, 403, "{role}: {method} {path}: {answer}");
            assert_eq!(answer["error"], "forbidden");
        }
        // They read the structure and the log.
        assert_eq!(shape(&app, &token).await, now);
    }
    assert_eq!(logged(), log_now);
    assert_eq!(log_entry(&app, &office, &created).await["can_undo"], true);
}

/// A fixed pseudo-random walk (the same every run): 120 steps of changes of every kind and
/// undos of past actions. Each undo is refused exactly when the log said it could not be done,
/// and a refusal changes nothing; names stay unique and every programme in an existing axis.
/// Then every action still standing is undone, newest first, and the seed programme is back.
#[tokio::test]
async fn a_random_walk_undone_brings_the_seed_back() {
    let app = spawn_app().await;
    let office = app.login("office").await;
    let seed = shape(&app, &office).await;
    let mut state: u64 = 0x0005_eed0_f7ac_4415;
    let mut roll = |n: usize| -> usize {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % n.max(1)
    };
    let mut actions: Vec<i64> = Vec::new();
    let mut names = 0;
    let (mut accepted, mut refused_undos, mut undos) = (0, 0, 0);
    for _ in 0..120 {
        let s = shape(&app, &office).await;
        let axes = axis_ids(&s);
        let a = axes[roll(axes.len())];
        let progs = programme_ids(&s, a);
        let empty_progs: Vec<i64> = s
            .iter()
            .flat_map(|x| x.2.iter())
            .filter(|p| p.2 == 0)
            .map(|p| p.0)
            .collect();
        names += 1;
        let (method, path, body) = match roll(9) {
            0 => (
                Method::POST,
                "/api/axes".to_string(),
                Some(json!({"name_ar": format!("محور {names}")})),
            ),
            1 | 2 => (
                Method::POST,
                "/api/programmes".into(),
                Some(json!({"axis_id": a, "name_ar": format!("برنامج {names}")})),
            ),
            3 => (
                Method::PUT,
                format!("/api/axes/{a}"),
                Some(json!({"name_ar": format!("اسم محور {names}")})),
            ),
            4 if !progs.is_empty() => (
                Method::PUT,
                format!("/api/programmes/{}", progs[roll(progs.len())]),
                Some(json!({"name_ar": format!("اسم برنامج {names}")})),
            ),
            5 if progs.len() > 1 => {
                let mut order = progs.clone();
                let k = roll(order.len() - 1);
                order.swap(k, k + 1);
                (
                    Method::PUT,
                    format!("/api/axes/{a}/programmes/order"),
                    Some(json!({ "ids": order })),
                )
            }
            6 if !progs.is_empty() && axes.len() > 1 => {
                let to = axes.iter().copied().find(|b| *b != a).unwrap();
                (
                    Method::POST,
                    format!("/api/programmes/{}/move", progs[roll(progs.len())]),
                    Some(json!({"axis_id": to})),
                )
            }
            7 if !empty_progs.is_empty() => (
                Method::DELETE,
                format!("/api/programmes/{}", empty_progs[roll(empty_progs.len())]),
                None,
            ),
            7 | 8 if s.iter().any(|x| x.2.is_empty()) => {
                let empty = s.iter().find(|x| x.2.is_empty()).unwrap().0;
                (Method::DELETE, format!("/api/axes/{empty}"), None)
            }
            _ if !actions.is_empty() => {
                // Undo one of the past actions: refused exactly when the log says so.
                let id = actions[roll(actions.len())];
                let entry = log_entry(&app, &office, &json!({ "action_id": id })).await;
                let (status, answer) = app
                    .post(&format!("/api/actions/{id}/undo"), &office, json!({}))
                    .await;
                if entry["can_undo"] == true {
                    assert_eq!(status, 200, "undo of {entry}: {answer}");
                    undos += 1;
                } else {
                    assert_eq!(status, 409, "undo of {entry}: {answer}");
                    assert_eq!(
                        shape(&app, &office).await,
                        s,
                        "a refused undo changes nothing"
                    );
                    refused_undos += 1;
                }
                continue;
            }
            _ => (
                Method::PUT,
                "/api/axes/order".into(),
                Some(json!({ "ids": axes.iter().rev().collect::<Vec<_>>() })),
            ),
        };
        let (status, answer) = app.send(method.clone(), &path, &office, body).await;
        match status {
            200 | 201 => {
                actions.push(answer["action_id"].as_i64().unwrap());
                accepted += 1;
            }
            // Reversing a single axis is no change; nothing else is refused here.
            409 if path == "/api/axes/order" => {}
            _ => panic!("{method} {path} → {status} {answer}"),
        }
        assert_eq!(
            app.count("SELECT count(*) FROM programmes WHERE axis_id NOT IN (SELECT id FROM axes)"),
            0
        );
        assert_eq!(
            app.count("SELECT count(*) - count(DISTINCT name_ar) FROM programmes"),
            0
        );
    }
    let walk = format!("{accepted} changes, {undos} undos, {refused_undos} undos refused");
    let _ = writeln!(std::io::stderr().lock(), "random walk: {walk}");
    assert!(accepted > 60 && undos > 3 && refused_undos > 3, "{walk}");
    // Undo what still stands, newest first.
    for id in actions.iter().rev() {
        let entry = log_entry(&app, &office, &json!({ "action_id": id })).await;
        if entry["undone_by"].is_null() {
            let (status, answer) = app
                .post(&format!("/api/actions/{id}/undo"), &office, json!({}))
                .await;
            assert_eq!(status, 200, "undo of {entry}: {answer}");
        }
    }
    assert_eq!(shape(&app, &office).await, seed);
}
