use super::*;
use crate::{db::Db, demo};

#[test]
fn the_demo_programme_table_is_the_seed_table_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("t.db")).unwrap();
    db.write_blocking(demo::load_if_empty).unwrap();
    let table = db.read_blocking(programme_table).unwrap();
    let csv = programme_table_file(&table, false).to_csv().unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        include_str!("../../demo/programmes.csv")
    );
    assert_eq!(table.total.projects, 43);
    assert_eq!(table.total.commune.to_string(), "52150000.00");
    assert_eq!(table.total.partners.to_string(), "104150000.00");
    // The six named projects have no amounts.
    assert_eq!(table.total.without_commune_amount, 6);
    let tree = db.read_blocking(programme_tree).unwrap();
    assert_eq!(tree.totals, table.total);
    let axis_sum: i64 = tree.axes.iter().map(|a| a.totals.projects).sum();
    assert_eq!(axis_sum, 43);
}
