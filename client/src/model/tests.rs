use super::*;

const MB: f64 = 1024.0 * 1024.0;

#[test]
fn space_is_short_under_50_mb_or_a_tenth() {
    // Plenty: 2 GB quota, 100 MB used.
    assert!(!storage_is_short(100.0 * MB, 2048.0 * MB));
    // 40 MB left of 2 GB.
    assert!(storage_is_short(2008.0 * MB, 2048.0 * MB));
    // 60 MB left, but of 1 GB: over 50 MB, under 10 %.
    assert!(storage_is_short(964.0 * MB, 1024.0 * MB));
    // 120 MB left of 1 GB: fine.
    assert!(!storage_is_short(904.0 * MB, 1024.0 * MB));
    // Over quota counts as nothing left.
    assert!(storage_is_short(2.0 * 1024.0 * MB, 1024.0 * MB));
    // No quota reported (or nonsense): no warning.
    assert!(!storage_is_short(0.0, 0.0));
    assert!(!storage_is_short(f64::NAN, 1024.0 * MB));
}

#[test]
fn a_refusal_holds_until_the_session_or_the_app_changes() {
    let (a, b, c) = (
        ChangeHash([1; 32]),
        ChangeHash([2; 32]),
        ChangeHash([3; 32]),
    );
    let refusal = Refusal::new(&[b, a], Some("build1"));
    assert!(refusal.holds(&[a, b], Some("build1")), "heads in any order");
    assert!(!refusal.holds(&[a, b, c], Some("build1")), "an edit since");
    assert!(!refusal.holds(&[c], Some("build1")), "a merge since");
    assert!(!refusal.holds(&[a, b], Some("build2")), "a new release");
    assert!(!refusal.holds(&[a, b], None));
    let unbuilt = Refusal::new(&[a], None);
    assert!(unbuilt.holds(&[a], None));
    assert!(!unbuilt.holds(&[a], Some("build1")));
}

#[test]
fn stored_problems_read_back_and_earlier_refusals_are_tried_again() {
    let refused = DocProblem::Refused(Refusal::new(&[ChangeHash([7; 32])], Some("b1")));
    let quarantined = DocProblem::Quarantined {
        reason: "bad douar".into(),
    };
    let (x, y, z) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
    let mut stored = serde_json::to_value(vec![(x, refused.clone()), (y, quarantined.clone())])
        .expect("problems serialise");
    // What an earlier version wrote for a refusal.
    stored
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!([z.to_string(), "Rejected"]));
    let read: Vec<(Uuid, StoredProblem)> = serde_json::from_value(stored).expect("read back");
    let read: Vec<(Uuid, Option<DocProblem>)> =
        read.into_iter().map(|(id, p)| (id, p.problem())).collect();
    assert_eq!(
        read,
        [(x, Some(refused)), (y, Some(quarantined)), (z, None)]
    );
}

#[test]
fn retried_problems_are_those_that_pass_by_themselves() {
    assert!(SyncProblem::Offline.retries());
    assert!(SyncProblem::Server.retries());
    assert!(!SyncProblem::Revoked.retries());
    assert!(!SyncProblem::AuthExpired.retries());
    assert!(!SyncProblem::Forbidden.retries());
}
