//! The suggestion engine measured on a labelled set: pairwise precision, recall and F1,
//! recall by pair of scripts and for same-need pairs within and across poles, and the
//! design office's actions per proposal (issue 18's model), then the same proposals twice
//! more in other orders with other ids, to show whether the groups are the same.
//!
//! `cargo bench -p tachkhis-server --bench suggest` measures the tuning set committed in
//! `server/benches/suggest/tune/`. `TACHKHIS_SUGGEST_SET=/path` measures another:
//! - a folder in the labelled-set format (`territory-douars.csv`, `territory-places.csv`,
//!   `proposals.csv` with `id,session,pole_number,group,douar_ar,sector,script,problem,
//!   solution,need`): its territory is loaded through the set-up's own territory import
//!   (`territory::file::import_territory`), so the engine sees what a commune set up in the
//!   app would give it;
//! - or one of the older CSV files (`tests/data/labelled-proposals*.csv`, columns
//!   `need,pole,douar,sector,group,problem,solution`) on the demo commune; their script is
//!   guessed (`latin` with digits, `fr`, `arabic`).
//!
//! `TACHKHIS_SUGGEST_LEARN=1` measures learning from the office instead: the score on the
//! set's second half (file order) before and after the engine is fed the office's decisions
//! on the first half (its suggested groups there: the members of the group's plurality need
//! confirmed together, every other member kept apart from them, as the gold says; then
//! every proposal of a recurring need still unplaced put into its need, as the office
//! would; `TACHKHIS_SUGGEST_LEARN=groups`: the suggested groups' decisions only), scored on
//! the second half only.
//!
//! `TACHKHIS_SUGGEST_DETAIL=1` also prints the needs most missed, the needs put together
//! and every mixed group; `TACHKHIS_SUGGEST_NEED=slug` where each proposal of one need went.
//!
//! The proposals are written into the projection tables of a temp SQLite file (one session
//! per session key; a session's douars are the ones its proposals name), and the suggestions
//! are read with `consolidation::suggestions`, exactly as `GET /api/suggestions` reads them.
#![allow(clippy::print_stdout)]

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::{Context, bail};
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use rusqlite::params;
use tachkhis_server::{Db, consolidation, demo, export::FileFormat, territory};
use tachkhis_shared::text::normalize;
use uuid::Uuid;

/// One labelled proposal.
#[derive(Clone)]
struct Row {
    id: String,
    session: String,
    /// Pole number (new format) or pole id (old format).
    pole: String,
    group: String,
    /// Douar as the set names it: Arabic name (new format) or id (old format).
    douar: String,
    sector: String,
    script: String,
    problem: String,
    solution: String,
    need: String,
}

struct Set {
    name: String,
    /// Territory files (douars, places), or None for the demo commune.
    territory: Option<(Vec<u8>, Vec<u8>)>,
    rows: Vec<Row>,
}

fn read_set(path: &Path) -> anyhow::Result<Set> {
    if path.is_dir() {
        let douars = std::fs::read(path.join("territory-douars.csv"))
            .with_context(|| format!("{}/territory-douars.csv", path.display()))?;
        let places = std::fs::read(path.join("territory-places.csv")).unwrap_or_default();
        let mut reader = csv::Reader::from_path(path.join("proposals.csv"))?;
        let heads: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
        let col = |name: &str| heads.iter().position(|h| h.trim() == name);
        let need = |name: &str| col(name).with_context(|| format!("no column {name}"));
        let (id, session, pole, group, douar, sector, script, problem, solution, label) = (
            need("id")?,
            need("session")?,
            need("pole_number")?,
            need("group")?,
            need("douar_ar")?,
            need("sector")?,
            need("script")?,
            need("problem")?,
            need("solution")?,
            need("need")?,
        );
        let mut rows = Vec::new();
        for r in reader.records() {
            let r = r?;
            let cell = |i: usize| r.get(i).unwrap_or("").trim().to_string();
            rows.push(Row {
                id: cell(id),
                session: cell(session),
                pole: cell(pole),
                group: cell(group),
                douar: cell(douar),
                sector: cell(sector),
                script: cell(script),
                problem: cell(problem),
                solution: cell(solution),
                need: cell(label),
            });
        }
        Ok(Set {
            name: path.display().to_string(),
            territory: Some((douars, places)),
            rows,
        })
    } else {
        let mut reader = csv::Reader::from_path(path)?;
        let mut rows = Vec::new();
        for (i, r) in reader.records().enumerate() {
            let r = r?;
            let cell = |i: usize| r.get(i).unwrap_or("").trim().to_string();
            let text = format!("{} {}", cell(5), cell(6));
            let script = if text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)) {
                "arabic"
            } else if text.chars().any(|c| c.is_ascii_digit()) {
                "latin"
            } else {
                "fr"
            };
            rows.push(Row {
                id: format!("r{:04}", i + 1),
                // The older sets have one session per pole, douar and group.
                session: format!("{}/{}/{}", cell(1), cell(2), cell(4)),
                pole: cell(1),
                group: cell(4),
                douar: cell(2),
                sector: cell(3),
                script: script.into(),
                problem: cell(5),
                solution: cell(6),
                need: cell(0),
            });
        }
        Ok(Set {
            name: path.display().to_string(),
            territory: None,
            rows,
        })
    }
}

/// Pole (or douar) as the set names it → its id in the database.
type Ids = HashMap<String, String>;

/// A fresh database with the set's territory (through the territory import) or the demo.
fn setup(set: &Set, dir: &Path) -> anyhow::Result<(Db, Ids, Ids)> {
    let db = Db::open(&dir.join("suggest.db"))?;
    let (mut poles, mut douars) = (HashMap::new(), HashMap::new());
    match &set.territory {
        None => {
            db.write_blocking(demo::load_if_empty)?;
            let m = db.read_blocking(territory::Model::load)?;
            for p in &m.poles {
                poles.insert(p.id.clone(), p.id.clone());
            }
            for d in &m.douars {
                douars.insert(d.id.clone(), d.id.clone());
            }
        }
        Some((douar_file, place_file)) => {
            // The commune itself, as the set-up's first step writes it.
            db.write_blocking(|tx| {
                tx.execute(
                    "INSERT INTO communes (id, name_ar, name_fr) VALUES ('commune', 'الجماعة', 'Commune')",
                    [],
                )?;
                Ok(())
            })?;
            for (what, bytes) in [("douars", douar_file), ("places", place_file)] {
                if bytes.is_empty() {
                    continue;
                }
                let outcome = db.write_blocking(|tx| {
                    territory::file::import_territory(tx, None, bytes, Some(FileFormat::Csv), false)
                })?;
                if let Err(errors) = outcome {
                    let lines: Vec<String> = errors
                        .iter()
                        .map(|e| format!("{} line {}: {}", e.sheet, e.line, e.reason))
                        .collect();
                    bail!("the territory's {what} were refused: {}", lines.join("; "));
                }
            }
            let m = db.read_blocking(territory::Model::load)?;
            for p in &m.poles {
                poles.insert(p.number.to_string(), p.id.clone());
            }
            for d in &m.douars {
                for key in territory::douar_keys(d) {
                    douars.entry(key).or_insert_with(|| d.id.clone());
                }
            }
        }
    }
    Ok((db, poles, douars))
}

/// Writes the rows (in this order, with these ids) and returns the suggested groups, each
/// as the sorted row ids of its members, sorted.
fn run(
    db: &Db,
    rows: &[Row],
    ids: &HashMap<String, Uuid>,
    poles: &HashMap<String, String>,
    douars: &HashMap<String, String>,
) -> anyhow::Result<(Vec<Vec<String>>, f64)> {
    run_placed(db, rows, ids, poles, douars, &BTreeMap::new())
}

/// [`run`] with some proposals already placed by the office (row id -> need slug): each
/// slug a need, as the app holds them. The groups are the suggestions' unplaced proposals,
/// those suggested into one need together (the office adds them to it).
fn run_placed(
    db: &Db,
    rows: &[Row],
    ids: &HashMap<String, Uuid>,
    poles: &HashMap<String, String>,
    douars: &HashMap<String, String>,
    placed: &BTreeMap<&str, &str>,
) -> anyhow::Result<(Vec<Vec<String>>, f64)> {
    let douar_of = |r: &Row| -> Option<String> {
        if r.douar.is_empty() {
            return None;
        }
        douars
            .get(&r.douar)
            .or_else(|| douars.get(&normalize(&r.douar)))
            .cloned()
    };
    db.write_blocking(|tx| {
        tx.execute_batch(
            "DELETE FROM proposals; DELETE FROM session_douars; DELETE FROM sessions;
             DELETE FROM suggestion_rejections; DELETE FROM documents; DELETE FROM need_members;
             DELETE FROM needs; DELETE FROM consolidation_actions WHERE kind = 'bench';",
        )?;
        let mut sessions: HashMap<&str, String> = HashMap::new();
        let mut doc = tx.prepare(
            "INSERT INTO documents (id, heads, created_at, updated_at) VALUES (?1, x'', 0, 0)",
        )?;
        let mut session = tx.prepare(
            "INSERT INTO sessions (id, pole_id, group_kind, date, facilitators, notes, created_at, created_by, present, updated_at)
             VALUES (?1, ?2, ?3, '2022-08-01', 'bench', '', 0, 'bench', 10, 0)",
        )?;
        let mut sd = tx.prepare(
            "INSERT OR IGNORE INTO session_douars (session_id, douar_id) VALUES (?1, ?2)",
        )?;
        let mut prop = tx.prepare(
            "INSERT INTO proposals (id, session_id, problem, solution, problem_norm, solution_norm, sector, douar_id,
                                    raised_by, created_at, created_by, deleted, rank, votes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, '', 0, 'bench', 0, 0, 0)",
        )?;
        for r in rows {
            let sid = match sessions.get(r.session.as_str()) {
                Some(s) => s.clone(),
                None => {
                    // The session's id follows the first proposal's, so it changes with the ids.
                    let sid = Uuid::from_u128(ids[&r.id].as_u128() ^ 0x5e55_1011).to_string();
                    let pole = poles.get(&r.pole).cloned().unwrap_or_else(|| r.pole.clone());
                    doc.execute([&sid])?;
                    session.execute(params![sid, pole, r.group])?;
                    sessions.insert(&r.session, sid.clone());
                    sid
                }
            };
            let douar = douar_of(r);
            if let Some(d) = &douar {
                sd.execute(params![sid, d])?;
            }
            let sector = (!r.sector.is_empty()).then_some(r.sector.as_str());
            prop.execute(params![
                ids[&r.id].to_string(),
                sid,
                r.problem,
                r.solution,
                normalize(&r.problem),
                normalize(&r.solution),
                sector,
                douar
            ])?;
        }
        if !placed.is_empty() {
            tx.execute(
                "INSERT INTO consolidation_actions (id, at, kind, detail) VALUES (1000000, 0, 'bench', '{}')",
                [],
            )?;
        }
        let mut need_ids: BTreeMap<&str, i64> = BTreeMap::new();
        for (id, need) in placed {
            let n = match need_ids.get(need) {
                Some(n) => *n,
                None => {
                    tx.execute(
                        "INSERT INTO needs (title, title_norm, created_at, updated_at) VALUES (?1, ?1, 0, 0)",
                        [need],
                    )?;
                    let n = tx.last_insert_rowid();
                    need_ids.insert(need, n);
                    n
                }
            };
            tx.execute(
                "INSERT INTO need_members (proposal_id, need_id, action_id) VALUES (?1, ?2, 1000000)",
                params![ids[*id].to_string(), n],
            )?;
        }
        Ok(())
    })?;
    let start = Instant::now();
    let suggestions = db.read_blocking(|tx| consolidation::suggestions(tx, usize::MAX))?;
    let took = start.elapsed().as_secs_f64();
    let back: HashMap<Uuid, &str> = ids.iter().map(|(k, v)| (*v, k.as_str())).collect();
    let mut into: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut groups: Vec<Vec<String>> = Vec::new();
    for s in &suggestions {
        let g = s.proposal_ids.iter().map(|u| back[u].to_string());
        match s.need_id {
            Some(n) => into.entry(n).or_default().extend(g),
            None => groups.push(g.collect()),
        }
    }
    groups.extend(into.into_values());
    for g in &mut groups {
        g.sort();
    }
    groups.sort();
    Ok((groups, took))
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "   -  ".into()
    } else {
        format!("{:.3}", a as f64 / b as f64)
    }
}

/// The figures of one run.
fn report(set: &Set, groups: &[Vec<String>]) {
    let row: HashMap<&str, &Row> = set.rows.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut group_of: HashMap<&str, usize> = HashMap::new();
    for (g, members) in groups.iter().enumerate() {
        for m in members {
            group_of.insert(m.as_str(), g);
        }
    }
    let rows = &set.rows;
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    // Missed pairs whose two proposals are both in (different) groups.
    let mut split = 0usize;
    // (found, all) same-need pairs by script pair, and within / across poles.
    let mut by_script: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut by_pole: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut missed: BTreeMap<&str, usize> = BTreeMap::new();
    let mut wrong: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, a) in rows.iter().enumerate() {
        for b in &rows[i + 1..] {
            let same = a.need == b.need;
            let together = matches!(
                (group_of.get(a.id.as_str()), group_of.get(b.id.as_str())),
                (Some(x), Some(y)) if x == y
            );
            match (same, together) {
                (true, true) => tp += 1,
                (false, true) => {
                    fp += 1;
                    let mut p = [a.need.clone(), b.need.clone()];
                    p.sort();
                    let [x, y] = p;
                    *wrong.entry((x, y)).or_default() += 1;
                }
                (true, false) => {
                    fneg += 1;
                    if group_of.contains_key(a.id.as_str()) && group_of.contains_key(b.id.as_str())
                    {
                        split += 1;
                    }
                    *missed.entry(a.need.as_str()).or_default() += 1;
                }
                (false, false) => {}
            }
            if same {
                let mut s = [a.script.as_str(), b.script.as_str()];
                s.sort();
                let e = by_script.entry(format!("{}-{}", s[0], s[1])).or_default();
                e.1 += 1;
                e.0 += together as usize;
                let e = by_pole
                    .entry(if a.pole == b.pole {
                        "within a pole"
                    } else {
                        "across poles"
                    })
                    .or_default();
                e.1 += 1;
                e.0 += together as usize;
            }
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fneg).max(1) as f64;
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    let mut need_size: HashMap<&str, usize> = HashMap::new();
    for r in rows {
        *need_size.entry(r.need.as_str()).or_default() += 1;
    }
    // The office's actions: one to confirm each group (as a new need or into the need of its
    // plurality), one per member whose need is not the group's plurality need, one per
    // proposal of a recurring need that no group placed.
    let mut actions = 0usize;
    for members in groups {
        actions += 1;
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for m in members {
            *count.entry(row[m.as_str()].need.as_str()).or_default() += 1;
        }
        let plurality = count.values().copied().max().unwrap_or(0);
        actions += members.len() - plurality;
    }
    let unplaced = rows
        .iter()
        .filter(|r| !group_of.contains_key(r.id.as_str()) && need_size[r.need.as_str()] >= 2)
        .count();
    actions += unplaced;
    let recurring = rows
        .iter()
        .filter(|r| need_size[r.need.as_str()] >= 2)
        .count();
    println!(
        "  precision {precision:.3}, recall {recall:.3}, F1 {f1:.3} (pairs: {tp} found, {fp} wrong, {fneg} missed, {split} of them in two groups)"
    );
    println!(
        "  office actions per proposal {:.3} ({actions} actions: {} groups, {unplaced} left unplaced; by hand {:.3})",
        actions as f64 / rows.len().max(1) as f64,
        groups.len(),
        recurring as f64 / rows.len().max(1) as f64
    );
    for (k, (found, all)) in &by_pole {
        println!("  recall {k:<28} {} ({found}/{all})", pct(*found, *all));
    }
    for (k, (found, all)) in &by_script {
        println!("  recall {k:<28} {} ({found}/{all})", pct(*found, *all));
    }
    if std::env::var_os("TACHKHIS_SUGGEST_DETAIL").is_some() {
        let mut missed: Vec<_> = missed.into_iter().collect();
        missed.sort_by_key(|m| std::cmp::Reverse(m.1));
        println!("  most missed needs (pairs): {missed:?}");
        let mut wrong: Vec<_> = wrong.into_iter().collect();
        wrong.sort_by_key(|w| std::cmp::Reverse(w.1));
        println!(
            "  needs put together (pairs): {:?}",
            &wrong[..wrong.len().min(40)]
        );
        if let Ok(need) = std::env::var("TACHKHIS_SUGGEST_NEED") {
            for r in rows.iter().filter(|r| r.need == need) {
                println!(
                    "  {need}: group {:?} [{}] {} | {}",
                    group_of.get(r.id.as_str()),
                    r.pole,
                    r.problem,
                    r.solution
                );
            }
        }
        for g in groups {
            let needs: BTreeSet<&str> = g.iter().map(|m| row[m.as_str()].need.as_str()).collect();
            if needs.len() > 1 {
                println!("  mixed group:");
                for m in g {
                    let r = row[m.as_str()];
                    println!("    {} [{}] {} | {}", r.need, r.pole, r.problem, r.solution);
                }
            }
        }
    }
}

fn main() -> anyhow::Result<()> {
    let path = std::env::var_os("TACHKHIS_SUGGEST_SET")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/suggest/tune"));
    let set = read_set(&path)?;
    let needs: BTreeSet<&str> = set.rows.iter().map(|r| r.need.as_str()).collect();
    println!(
        "Suggestions on {}: {} proposals, {} needs",
        set.name,
        set.rows.len(),
        needs.len()
    );
    let dir = tempfile::tempdir()?;
    let (db, poles, douars) = setup(&set, dir.path())?;
    if std::env::var_os("TACHKHIS_SUGGEST_LEARN").is_some() {
        return learn(&set, &db, &poles, &douars);
    }
    let mut rng = StdRng::seed_from_u64(0x5eed_0018);
    let mut outcomes = Vec::new();
    for round in 0..3 {
        let mut rows = set.rows.clone();
        if round > 0 {
            rows.shuffle(&mut rng);
        }
        let ids: HashMap<String, Uuid> = rows
            .iter()
            .map(|r| {
                let bytes: [u8; 16] = rand::Rng::random(&mut rng);
                (
                    r.id.clone(),
                    uuid::Builder::from_random_bytes(bytes).into_uuid(),
                )
            })
            .collect();
        let (groups, took) = run(&db, &rows, &ids, &poles, &douars)?;
        if round == 0 {
            println!("  suggestions computed in {:.1} ms", took * 1000.0);
            report(&set, &groups);
            if let Some(file) = std::env::var_os("TACHKHIS_SUGGEST_DUMP") {
                // The groups as `id,group` lines, for analysis outside.
                let lines: String = groups
                    .iter()
                    .enumerate()
                    .flat_map(|(g, m)| m.iter().map(move |id| format!("{id},{g}\n")))
                    .collect();
                std::fs::write(&file, lines)?;
                let texts: String = set
                    .rows
                    .iter()
                    .map(|r| {
                        format!(
                            "{}\t{} {}\n",
                            r.id,
                            normalize(&r.problem),
                            normalize(&r.solution)
                        )
                    })
                    .collect();
                let mut f = file.clone();
                f.push(".texts");
                std::fs::write(f, texts)?;
            }
            if std::env::var_os("TACHKHIS_SUGGEST_WORDS").is_some() {
                // Every word read as a concept by a tolerance (typo, skeleton, split), not as
                // written: the readings to check by eye.
                let lex = db.read_blocking(consolidation::office_lexicon)?;
                let mut seen: BTreeMap<String, usize> = BTreeMap::new();
                for r in &set.rows {
                    for w in normalize(&format!("{} {}", r.problem, r.solution)).split(' ') {
                        *seen.entry(w.to_string()).or_default() += 1;
                    }
                }
                for (w, n) in seen {
                    if lex.exact(&w).is_some() {
                        continue;
                    }
                    if let tachkhis_server::suggest::words::Reading::Concepts(cs) = lex.read(&w) {
                        let names: Vec<&str> = cs
                            .iter()
                            .map(|c| lex.concepts[*c as usize].name.as_str())
                            .collect();
                        println!("  word {w} ({n}) -> {}", names.join(" + "));
                    }
                }
            }
            if let Ok(need) = std::env::var("TACHKHIS_SUGGEST_TERMS") {
                // How the engine reads each proposal of one need (its term keys).
                let (lex, places) = db.read_blocking(|tx| {
                    Ok((
                        consolidation::office_lexicon(tx)?,
                        consolidation::territory_places(tx)?,
                    ))
                })?;
                for r in set.rows.iter().filter(|r| r.need == need || need == "*") {
                    let text = normalize(&format!("{} {}", r.problem, r.solution));
                    let raw = tachkhis_server::suggest::term_keys(&lex, &places, &text);
                    if need == "*" {
                        println!("RAW\t{}\t{}", r.id, raw.join(" "));
                        continue;
                    }
                    let name = |k: &str| {
                        k.parse::<usize>()
                            .ok()
                            .and_then(|c| lex.concepts.get(c))
                            .map_or(k.to_string(), |c| c.name.clone())
                    };
                    let terms: Vec<String> = raw
                        .into_iter()
                        .map(|k| match k.strip_prefix('#') {
                            Some(c) => match c.split_once('+') {
                                Some((a, b)) => format!("{}+{}", name(a), name(b)),
                                None => format!("#{}", name(c)),
                            },
                            None => k,
                        })
                        .collect();
                    println!(
                        "  {need} [{}] {} | {}\n      {terms:?}",
                        r.pole, r.problem, r.solution
                    );
                }
            }
        }
        outcomes.push(groups);
    }
    let same = outcomes.windows(2).all(|w| w[0] == w[1]);
    println!(
        "  shuffled input and new ids, twice: groups {}",
        if same { "identical" } else { "DIFFERENT" }
    );
    Ok(())
}

/// Learning from the office: the second half scored before and after the decisions on the
/// first half.
fn learn(
    set: &Set,
    db: &Db,
    poles: &HashMap<String, String>,
    douars: &HashMap<String, String>,
) -> anyhow::Result<()> {
    let half = set.rows.len() / 2;
    let (first, second) = set.rows.split_at(half);
    let ids: HashMap<String, Uuid> = set
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), Uuid::from_u128(0x1ea2_0000_0000 + i as u128)))
        .collect();
    let second_set = Set {
        name: format!("{} (second half)", set.name),
        territory: None,
        rows: second.to_vec(),
    };
    let (before, _) = run(db, second, &ids, poles, douars)?;
    println!(
        "  Before learning, on the second half ({} proposals):",
        second.len()
    );
    report(&second_set, &before);

    let (groups, _) = run(db, first, &ids, poles, douars)?;
    let need: HashMap<&str, &str> = first
        .iter()
        .map(|r| (r.id.as_str(), r.need.as_str()))
        .collect();
    // One office decision a list of pairs, fed one by one as the office's actions are.
    let mut decisions: Vec<Vec<(String, String, bool)>> = Vec::new();
    let (mut confirmed, mut rejected) = (0usize, 0usize);
    // Per need, the members its confirmed groups placed.
    let mut placed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for g in &groups {
        let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
        for m in g {
            *votes.entry(need[m.as_str()]).or_default() += 1;
        }
        let (top, n) = votes
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(k, v)| (*k, *v))
            .unwrap_or_default();
        let (yes, no): (Vec<&String>, Vec<&String>) =
            g.iter().partition(|m| need[m.as_str()] == top);
        if n >= 2 {
            let yes_ids: Vec<String> = yes.iter().map(|m| ids[*m].to_string()).collect();
            decisions.push(consolidation::together_pairs(&yes_ids));
            confirmed += 1;
            placed
                .entry(top)
                .or_default()
                .extend(yes.iter().map(|m| m.as_str()));
        }
        let mut pairs = Vec::new();
        for a in if n >= 2 {
            yes.clone()
        } else {
            g.iter().collect()
        } {
            for b in &no {
                if a != *b {
                    pairs.push((ids[a].to_string(), ids[*b].to_string(), false));
                    rejected += 1;
                }
            }
        }
        decisions.push(pairs);
    }
    // Then the office places what the suggestions left out (the model's one action per
    // still-unplaced proposal of a recurring need): into its need's confirmed group
    // (`merge_into`: paired with each member there), or, with none, as a new need of them
    // (`create_need`).
    let mut members: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in first {
        members
            .entry(r.need.as_str())
            .or_default()
            .push(r.id.as_str());
    }
    let mut added = 0usize;
    let by_hand = std::env::var("TACHKHIS_SUGGEST_LEARN").is_ok_and(|v| v != "groups");
    for (need, all) in members.iter().filter(|_| by_hand) {
        if all.len() < 2 {
            continue;
        }
        let done = placed.get(need).cloned().unwrap_or_default();
        let rest: Vec<&str> = all.iter().copied().filter(|m| !done.contains(m)).collect();
        if done.is_empty() {
            let rest_ids: Vec<String> = rest.iter().map(|m| ids[*m].to_string()).collect();
            decisions.push(consolidation::together_pairs(&rest_ids));
        } else {
            for r in &rest {
                decisions.push(
                    done.iter()
                        .map(|d| (ids[*r].to_string(), ids[*d].to_string(), true))
                        .collect(),
                );
            }
        }
        added += rest.len();
    }
    db.write_blocking(|tx| {
        for pairs in &decisions {
            consolidation::learn_pairs(tx, pairs, None)?;
        }
        Ok(())
    })?;
    let terms: i64 = db.read_blocking(|tx| {
        Ok(tx.query_row("SELECT count(*) FROM suggest_learned", [], |r| r.get(0))?)
    })?;
    println!(
        "  Fed the decisions on the first half ({} proposals): {} groups suggested, {confirmed} confirmed, {rejected} pairs kept apart, {added} proposals placed by hand; {terms} terms learned",
        first.len(),
        groups.len()
    );
    let (after, _) = run(db, second, &ids, poles, douars)?;
    println!("  After learning, on the second half alone:");
    report(&second_set, &after);
    // As in the app: the first half stays, placed in its needs as the office left it (every
    // proposal of a need it holds twice or more), and the second half arrives.
    let placed: BTreeMap<&str, &str> = first
        .iter()
        .filter(|r| members.get(r.need.as_str()).is_some_and(|m| m.len() >= 2))
        .map(|r| (r.id.as_str(), r.need.as_str()))
        .collect();
    let (after, _) = run_placed(db, &set.rows, &ids, poles, douars, &placed)?;
    let second_ids: BTreeSet<&str> = second.iter().map(|r| r.id.as_str()).collect();
    let after: Vec<Vec<String>> = after
        .into_iter()
        .map(|g| {
            g.into_iter()
                .filter(|m| second_ids.contains(m.as_str()))
                .collect::<Vec<_>>()
        })
        .filter(|g| !g.is_empty())
        .collect();
    println!(
        "  After learning, the first half placed in its needs ({} proposals), on the second half:",
        placed.len()
    );
    report(&second_set, &after);
    Ok(())
}
