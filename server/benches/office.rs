//! The design office benchmark, at 100,000 proposals: suggestions (time, peak memory, and
//! pairwise precision and recall on the synthetic labels), the proposal table with a text
//! search, the needs list, the programme table, a project's trace, and the XLSX export of
//! every proposal. Figures of one run, side by side.
//!
//! `cargo bench -p tachkhis-server --bench office` (release; `cargo xtask bench` runs it after
//! the sync benchmark). `TACHKHIS_BENCH_PROPOSALS=20000` for a smaller run.
//!
//! The proposals are written straight into the projection tables of a temp SQLite file (the
//! sync path has its own benchmark); their text comes from 40 need templates in Arabic,
//! French and Darija, with the noise real input has (tatweel, hamza and kaf variants, filler
//! words), spread over the 18 douars of the demo commune. A synthetic label is what issue 18
//! says a need is: the template alone for a service (one ambulance, one school transport for
//! the whole commune, whatever pole asks), (template, douar) for a work in a place (the texts
//! name no place, so the douar the facilitator picked is the work's place).
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;
use common::{GROUPS, PLACES, time};

use std::collections::HashMap;

use rand::{Rng, SeedableRng, rngs::StdRng};
use rusqlite::params;
use tachkhis_server::{Db, consolidation, demo, export, programme, users::auth::AuthUser};
use tachkhis_shared::{
    api::Role,
    api::consolidation::{NewNeed, ProposalFilter},
    text::normalize,
};
use uuid::Uuid;

/// A need template: sector, whether it is a service (one need for the whole commune: an
/// ambulance, school transport, literacy classes) or a work in a place (a road, a water
/// network: one need per douar), and ways people say it (problem, solution).
type Template = (&'static str, bool, &'static [(&'static str, &'static str)]);

const TEMPLATES: &[Template] = &[
    (
        "drinking_water",
        false,
        &[
            ("انعدام الماء الصالح للشرب", "ربط الدوار بشبكة الماء الشروب"),
            ("الما ماكاينش فالدوار", "نبغيو الما يوصل للديور"),
            (
                "Manque d'eau potable",
                "Raccordement au réseau d'eau potable",
            ),
            ("نقص في مياه الشرب", "ربط المنازل بالماء"),
        ],
    ),
    (
        "drinking_water",
        false,
        &[
            ("جفاف البئر في الصيف", "تعميق البئر وتجهيزه"),
            ("Le puits est à sec en été", "Approfondir le puits"),
        ],
    ),
    (
        "roads",
        false,
        &[
            ("الطريق غير معبدة", "تعبيد الطريق الرابطة بالمركز"),
            ("حالة المسلك الطرقي متدهورة", "إصلاح وتعبيد المسلك"),
            ("La piste est impraticable", "Goudronnage de la piste"),
            ("الطريق كتقطع فالشتا", "تعبيد الطريق"),
        ],
    ),
    (
        "roads",
        false,
        &[
            ("صعوبة عبور الواد", "بناء قنطرة على الواد"),
            ("Pas de pont sur l'oued", "Construction d'un pont"),
        ],
    ),
    (
        "health",
        false,
        &[
            ("غياب مستوصف بالدوار", "بناء مستوصف"),
            ("ماكاينش سبيطار قريب", "بناء مستوصف فالدوار"),
            ("Absence de dispensaire", "Construction d'un dispensaire"),
        ],
    ),
    (
        "health",
        true,
        &[
            ("عدم توفر سيارة الإسعاف", "اقتناء سيارة إسعاف"),
            ("Pas d'ambulance", "Acquisition d'une ambulance"),
        ],
    ),
    (
        "electricity",
        false,
        &[
            (
                "منازل غير مربوطة بالكهرباء",
                "ربط المنازل بالشبكة الكهربائية",
            ),
            ("Maisons sans électricité", "Électrification des foyers"),
            ("الضو ماواصلش للديور", "ربط الديور بالضو"),
        ],
    ),
    (
        "electricity",
        true,
        &[
            ("ضعف الإنارة العمومية", "تركيب أعمدة الإنارة"),
            ("Pas d'éclairage public", "Installation de lampadaires"),
        ],
    ),
    (
        "youth_sports",
        true,
        &[
            ("غياب ملعب لكرة القدم", "بناء ملعب للقرب"),
            (
                "Pas de terrain de sport",
                "Aménagement d'un terrain de football",
            ),
        ],
    ),
    (
        "education",
        false,
        &[
            ("تدهور بناية المدرسة", "ترميم الأقسام الدراسية"),
            ("L'école est dégradée", "Réhabilitation de l'école"),
        ],
    ),
    (
        "education",
        false,
        &[
            ("غياب التعليم الأولي", "إحداث روض للأطفال"),
            ("Pas de préscolaire", "Création d'une classe de préscolaire"),
        ],
    ),
    (
        "education",
        true,
        &[
            ("غياب النقل المدرسي", "توفير حافلة للنقل المدرسي"),
            ("Pas de transport scolaire", "Un bus de transport scolaire"),
        ],
    ),
    (
        "environment",
        false,
        &[
            ("خطر الفيضانات", "بناء حائط للحماية من الفيضانات"),
            ("Inondations en hiver", "Protection contre les crues"),
        ],
    ),
    (
        "environment",
        true,
        &[
            ("تراكم الأزبال", "جمع النفايات"),
            ("Les ordures ne sont pas collectées", "Collecte des déchets"),
        ],
    ),
    (
        "sanitation",
        false,
        &[
            ("غياب الصرف الصحي", "إنجاز شبكة التطهير"),
            (
                "Absence d'assainissement",
                "Réseau d'assainissement liquide",
            ),
        ],
    ),
    (
        "women_family",
        true,
        &[
            ("دعم التعاونيات النسوية", "تجهيز التعاونية"),
            (
                "Appui aux coopératives féminines",
                "Équipement de la coopérative",
            ),
        ],
    ),
    (
        "economy",
        false,
        &[
            ("تدهور السواقي", "إصلاح السواقي"),
            (
                "Les seguias sont en mauvais état",
                "Réhabilitation des seguias",
            ),
        ],
    ),
    (
        "education",
        true,
        &[
            ("ارتفاع نسبة الأمية", "برامج محو الأمية"),
            ("Analphabétisme", "Cours d'alphabétisation"),
        ],
    ),
    (
        "social",
        true,
        &[
            ("ضعف تغطية الهاتف والانترنت", "تقوية التغطية"),
            ("Pas de couverture internet", "Installer une antenne"),
        ],
    ),
    (
        "economy",
        true,
        &[
            ("غياب سوق أسبوعي", "إحداث سوق"),
            ("Pas de souk hebdomadaire", "Création d'un souk"),
        ],
    ),
    (
        "culture",
        true,
        &[
            ("غياب مكتبة عمومية", "إحداث خزانة جماعية"),
            ("Pas de bibliothèque", "Création d'une bibliothèque"),
        ],
    ),
    (
        "economy",
        true,
        &[
            ("بطالة الشباب", "خلق فرص الشغل"),
            ("Chômage des jeunes", "Création d'emplois"),
        ],
    ),
    (
        "social",
        false,
        &[
            ("المقبرة غير مسيجة", "تسييج المقبرة"),
            ("Le cimetière n'est pas clôturé", "Clôture du cimetière"),
        ],
    ),
    (
        "social",
        false,
        &[
            ("المسجد في حالة سيئة", "إصلاح المسجد"),
            ("La mosquée est dégradée", "Réfection de la mosquée"),
        ],
    ),
    (
        "economy",
        true,
        &[
            ("مرض الماشية وغلاء العلف", "دعم الفلاحين ومربي الماشية"),
            ("Élevage en difficulté", "Appui aux agriculteurs"),
        ],
    ),
    (
        "women_family",
        true,
        &[
            ("غياب فضاء لتكوين النساء", "مركز لتكوين المرأة"),
            (
                "Pas de centre pour les femmes",
                "Centre de formation féminine",
            ),
        ],
    ),
    (
        "drinking_water",
        false,
        &[
            ("غياب خزان للماء", "بناء خزان مائي"),
            ("Pas de réservoir d'eau", "Construction d'un réservoir"),
        ],
    ),
    (
        "economy",
        false,
        &[
            ("ضياع مياه السقي", "تبطين الساقية"),
            ("Perte de l'eau d'irrigation", "Bétonnage de la seguia"),
        ],
    ),
    (
        "youth_sports",
        true,
        &[
            ("غياب دار الشباب", "بناء دار للشباب"),
            (
                "Pas de maison des jeunes",
                "Construction d'une maison des jeunes",
            ),
        ],
    ),
    (
        "health",
        true,
        &[
            ("النساء يلدن في المنازل", "بناء دار الولادة"),
            (
                "Accouchements à domicile",
                "Maison d'accouchement au dispensaire",
            ),
        ],
    ),
];

const FILLERS: &[&str] = &[
    "",
    "",
    " منذ سنوات",
    " في فصل الشتاء",
    " بالنسبة للأطفال",
    " pour les enfants",
    " depuis longtemps",
    " بزاف",
];

/// The noise of real input: tatweel, hamza-less alef, Persian keheh.
fn noisy(rng: &mut StdRng, s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let r: u32 = rng.random_range(0..100);
            match c {
                'أ' | 'إ' if r < 40 => vec!['ا'],
                'ك' if r < 10 => vec!['ک'],
                'ل' | 'س' | 'ب' if r < 5 => vec![c, 'ـ', 'ـ'],
                _ => vec![c],
            }
        })
        .collect()
}

struct Corpus {
    /// proposal id → synthetic label
    labels: HashMap<String, usize>,
}

fn fill(db: &Db, n: usize) -> anyhow::Result<Corpus> {
    let mut rng = StdRng::seed_from_u64(0x7ac4_2023);
    let mut labels = HashMap::with_capacity(n);
    db.write_blocking(|tx| {
        let mut session = tx.prepare(
            "INSERT INTO documents (id, heads, created_at, updated_at) VALUES (?1, x'', 0, 0)",
        )?;
        let mut proj = tx.prepare(
            "INSERT INTO sessions (id, pole_id, group_kind, date, facilitators, notes, created_at, created_by, present, updated_at)
             VALUES (?1, ?2, ?3, '2022-08-01', 'bench', '', 0, 'bench', ?4, 0)",
        )?;
        let mut douar = tx.prepare("INSERT INTO session_douars (session_id, douar_id) VALUES (?1, ?2)")?;
        let mut prop = tx.prepare(
            "INSERT INTO proposals (id, session_id, problem, solution, problem_norm, solution_norm, sector, douar_id,
                                    raised_by, created_at, created_by, deleted, rank, votes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, '', 0, 'bench', 0, 0, 0)",
        )?;
        let mut made = 0;
        while made < n {
            let douar_no = rng.random_range(0..PLACES.len());
            let (pole, d) = PLACES[douar_no];
            let sid = Uuid::new_v4().to_string();
            session.execute([&sid])?;
            let group = GROUPS[rng.random_range(0..GROUPS.len())];
            proj.execute(params![sid, pole, group, rng.random_range(8..60)])?;
            douar.execute(params![sid, d])?;
            for _ in 0..rng.random_range(10..40).min(n - made) {
                let t = rng.random_range(0..TEMPLATES.len());
                let (sector, service, ways) = TEMPLATES[t];
                let (problem, solution) = ways[rng.random_range(0..ways.len())];
                let filler = FILLERS[rng.random_range(0..FILLERS.len())];
                let problem = noisy(&mut rng, &format!("{problem}{filler}"));
                let solution = noisy(&mut rng, solution);
                let sector = (rng.random_range(0..10) > 0).then_some(sector);
                let id = Uuid::new_v4().to_string();
                prop.execute(params![
                    id,
                    sid,
                    problem,
                    solution,
                    normalize(&problem),
                    normalize(&solution),
                    sector,
                    d
                ])?;
                // A service is one need for the whole commune; a work is one need per place
                // (the text names none here, so the douar the facilitator picked is it).
                let place = if service { 0 } else { 1 + douar_no };
                labels.insert(id, t * 32 + place);
                made += 1;
            }
        }
        Ok(())
    })?;
    Ok(Corpus { labels })
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Peak resident memory of this process since the last reset, in MiB (Linux).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU time (user and system) of this process so far, in seconds (Linux).
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn reset_peak_rss() {
    // "5" resets the peak resident set size (Linux 4.0+); without it the figure is the
    // process's peak so far.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() -> anyhow::Result<()> {
    let n = common::proposals_wanted();
    let dir = tempfile::tempdir()?;
    let db = Db::open(&dir.path().join("bench.db"))?;
    db.write_blocking(demo::load_if_empty)?;
    println!("Tachkhis design office benchmark: {n} proposals, one run, release build");
    let (corpus, _) = time(
        &format!("write {n} proposals (setup, one transaction)"),
        || fill(&db, n),
    )?;

    // Suggestions: time and memory.
    reset_peak_rss();
    let before = peak_rss_mib();
    let cpu_before = cpu_secs();
    let (suggestions, _) = time("suggestions over every proposal (every group)", || {
        Ok(db.read_blocking(|tx| consolidation::suggestions(tx, usize::MAX))?)
    })?;
    if let (Some(b), Some(a)) = (cpu_before, cpu_secs()) {
        // On a shared machine the wall time counts other people's builds; CPU time does not.
        println!(
            "{:<58} {:>9.1} ms",
            "  CPU time of this process while suggesting",
            (a - b) * 1000.0
        );
    }
    if let (Some(b), Some(a)) = (before, peak_rss_mib()) {
        println!(
            "{:<58} {:>9.1} MiB (process peak {a:.1} MiB)",
            "  peak memory added while suggesting",
            a - b
        );
    }
    // Pairwise precision and recall on the synthetic labels, counted per group.
    let mut predicted = 0u64;
    let mut true_positive = 0u64;
    for s in &suggestions {
        predicted += pairs(s.proposal_ids.len() as u64);
        let mut by_label: HashMap<usize, u64> = HashMap::new();
        for id in &s.proposal_ids {
            *by_label.entry(corpus.labels[&id.to_string()]).or_insert(0) += 1;
        }
        true_positive += by_label.values().map(|c| pairs(*c)).sum::<u64>();
    }
    let mut label_sizes: HashMap<usize, u64> = HashMap::new();
    for l in corpus.labels.values() {
        *label_sizes.entry(*l).or_insert(0) += 1;
    }
    let actual: u64 = label_sizes.values().map(|c| pairs(*c)).sum();
    println!(
        "  {} groups; pairwise precision {:.3}, recall {:.3} on {} synthetic labels",
        suggestions.len(),
        true_positive as f64 / predicted.max(1) as f64,
        true_positive as f64 / actual.max(1) as f64,
        label_sizes.len()
    );

    // Confirm the most confident suggestions (300 at most) as needs, all linked to the first
    // project, so that needs, reports and traces have real content: that project's trace is
    // the worst case, every confirmed proposal.
    let office = AuthUser {
        id: db.read_blocking(|tx| {
            Ok(
                tx.query_row("SELECT id FROM users WHERE username = 'office'", [], |r| {
                    r.get(0)
                })?,
            )
        })?,
        username: "office".into(),
        role: Role::Office,
        must_change_password: false,
    };
    let project: i64 =
        db.read_blocking(|tx| Ok(tx.query_row("SELECT min(id) FROM projects", [], |r| r.get(0))?))?;
    let confirmed = suggestions.len().min(300);
    let mut first_need: Option<i64> = None;
    time(
        &format!("confirm {confirmed} suggestions as needs (one transaction each)"),
        || {
            for s in suggestions.iter().take(confirmed) {
                let body = NewNeed {
                    title: s.proposed_title.clone(),
                    sector: s.reason.same_sector.clone(),
                    description: String::new(),
                    proposal_ids: s.proposal_ids.clone(),
                };
                let done =
                    db.write_blocking(|tx| consolidation::create_need(tx, &office, &body))?;
                if let Some(need) = done.need_id {
                    first_need.get_or_insert(need);
                    db.write_blocking(|tx| {
                        consolidation::link_project(tx, &office, need, project, true)
                    })?;
                }
            }
            Ok(())
        },
    )?;
    time(
        &format!("needs list with counts ({confirmed} needs)"),
        || Ok(db.read_blocking(consolidation::list_needs)?),
    )?;
    // The suggestions screen once needs exist (groups into needs get their reason from the
    // need's members), and the projects suggested on a need's page.
    time(
        &format!("suggestions again with {confirmed} needs (the screen's 100)"),
        || Ok(db.read_blocking(|tx| consolidation::suggestions(tx, 100))?),
    )?;
    if let Some(need) = first_need {
        time("projects suggested for a need", || {
            Ok(db.read_blocking(|tx| consolidation::project_suggestions(tx, need, 5))?)
        })?;
    }
    let (page, _) = time(
        "proposal table: search \"الماء\", first 500 rows",
        || {
            Ok(db.read_blocking(|tx| {
                consolidation::list_proposals(
                    tx,
                    &ProposalFilter {
                        q: Some("الماء".into()),
                        ..ProposalFilter::default()
                    },
                )
            })?)
        },
    )?;
    println!("  {} proposals match", page.total);
    time("proposal table: pole 3, unplaced, first 500 rows", || {
        Ok(db.read_blocking(|tx| {
            consolidation::list_proposals(
                tx,
                &ProposalFilter {
                    pole: Some("pole-3".into()),
                    status: Some(tachkhis_shared::api::consolidation::ProposalStatus::Unplaced),
                    ..ProposalFilter::default()
                },
            )
        })?)
    })?;
    let (table, _) = time("programme table (43 projects)", || {
        Ok(db.read_blocking(programme::programme_table)?)
    })?;
    println!(
        "  grand total: commune {}, partners {}",
        table.total.commune, table.total.partners
    );
    let (trace, _) = time(
        &format!("trace of a project linked to {confirmed} needs"),
        || Ok(db.read_blocking(|tx| programme::project_trace(tx, project))?),
    )?;
    if let Some(t) = trace {
        println!(
            "  {} needs, {} proposals, {} sessions",
            t.needs.len(),
            t.needs.iter().map(|n| n.proposals.len()).sum::<usize>(),
            t.sessions
        );
    }
    reset_peak_rss();
    let before = peak_rss_mib();
    let (xlsx, _) = time(
        &format!("XLSX export of the {n} proposals (query + write)"),
        || Ok(db.read_blocking(|tx| export::proposals_table(tx)?.to_xlsx())?),
    )?;
    if let (Some(b), Some(a)) = (before, peak_rss_mib()) {
        println!(
            "  {:.1} MiB file; peak memory added {:.1} MiB",
            xlsx.len() as f64 / 1_048_576.0,
            a - b
        );
    }
    Ok(())
}
