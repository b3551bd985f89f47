//! Order and time (issue 12) through the server: two tablets adding proposals offline, each with
//! its own wrong clock, both land theirs after the ones they shared, and the server's order
//! (`ORDER BY rank DESC, id`) is the tablets' order; the sync's answer carries the server's
//! time (`Date`), which the tablet compares with its own clock.

use tachkhis_shared::session::EditCtx;
use tachkhis_shared::sync::{BatchRequest, encode_request};
use uuid::Uuid;

use crate::helpers::{Tablet, spawn_app};

#[tokio::test]
async fn proposals_added_offline_on_two_tablets_come_last_on_the_server_too() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let office = app.login("office").await;
    let mut a = Tablet::new("facilitator");
    let mut b = Tablet::new("facilitator");
    let id = a.new_session();
    let first = a.add_proposal(id, "الطريق مقطوعة");
    let second = a.add_proposal(id, "لا ماء في الصيف");
    a.sync(&app, &token).await.unwrap();
    b.receive_copy(&mut a, id);

    // Offline: tablet a's clock a year ahead, b's a year behind; each adds two.
    let input = |p: &str| tachkhis_shared::session::ProposalInput {
        problem: p.into(),
        ..Default::default()
    };
    let year = 365 * 86_400_000_i64;
    let now = 1_700_000_000_000_i64;
    let a1 = a
        .doc(id)
        .add_proposal(&input("a1"), &EditCtx::new("a", now + year))
        .unwrap();
    let a2 = a
        .doc(id)
        .add_proposal(&input("a2"), &EditCtx::new("a", now + year + 1))
        .unwrap();
    let b1 = b
        .doc(id)
        .add_proposal(&input("b1"), &EditCtx::new("b", now - year))
        .unwrap();
    let b2 = b
        .doc(id)
        .add_proposal(&input("b2"), &EditCtx::new("b", now - year + 1))
        .unwrap();
    a.sync(&app, &token).await.unwrap();
    b.sync(&app, &token).await.unwrap();
    a.sync(&app, &token).await.unwrap();

    let tablet_order = |t: &mut Tablet| -> Vec<Uuid> {
        t.doc(id)
            .read()
            .unwrap()
            .live_proposals()
            .map(|p| p.id)
            .collect()
    };
    let on_a = tablet_order(&mut a);
    assert_eq!(on_a, tablet_order(&mut b), "one order on both tablets");
    assert_eq!(&on_a[..2], &[first, second], "the shared ones first");
    // Each tablet's first addition ties with the other's (same rank), then the second ones:
    // in each pair the id decides.
    let pair = |x: Uuid, y: Uuid| if x < y { [x, y] } else { [y, x] };
    assert_eq!(&on_a[2..4], &pair(a1, b1));
    assert_eq!(&on_a[4..], &pair(a2, b2));

    let (status, detail) = app.get_json(&format!("/api/sessions/{id}"), &office).await;
    assert_eq!(status, 200, "{detail}");
    let on_server: Vec<Uuid> = detail["proposal_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| Uuid::parse_str(p["id"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(on_server, on_a, "the server's order is the tablets'");
}

#[tokio::test]
async fn the_sync_answer_carries_the_servers_time() {
    let app = spawn_app().await;
    let token = app.login("facilitator").await;
    let body = encode_request(&BatchRequest::new(Uuid::new_v4(), Vec::new())).unwrap();
    let before = std::time::SystemTime::now();
    let response = app.post_sync(&token, body).await;
    assert_eq!(response.status(), 200);
    let date = response
        .headers()
        .get(reqwest::header::DATE)
        .expect("a Date header on the sync's answer")
        .to_str()
        .unwrap()
        .to_string();
    let at = imf_fixdate_secs(&date).unwrap_or_else(|| panic!("an HTTP date: {date}"));
    let test_secs = before
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (at - test_secs).abs() <= 2,
        "the server's time, {date}, {} s from the test's",
        at - test_secs
    );
}

/// Seconds since the epoch of an HTTP date as servers write it: `Tue, 01 Dec 2026 22:30:00 GMT`.
fn imf_fixdate_secs(date: &str) -> Option<i64> {
    let parts: Vec<&str> = date.split([' ', ':']).collect();
    let [_, day, month, year, h, m, s, "GMT"] = parts[..] else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|x| *x == month)? as i64 + 1;
    let (year, day): (i64, i64) = (year.parse().ok()?, day.parse().ok()?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = |v: &str| v.parse::<i64>().ok();
    Some(days * 86_400 + secs(h)? * 3600 + secs(m)? * 60 + secs(s)?)
}
