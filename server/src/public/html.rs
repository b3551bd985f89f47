//! The public pages as HTML: no script, one inline stylesheet (its hash is in the pages' own
//! Content-Security-Policy, [`CSP`]), system fonts with Arabic first, charts as inline SVG
//! (presentation attributes, no `style=`), every text through [`esc`]. Arabic is right to left;
//! French is the same page under `/p/fr/…`. A page stays under 50 KB: the approved texts are
//! shown up to a byte budget, the rest are in the open data (the page says how many).

use std::fmt::Write;
use std::sync::OnceLock;

use base64::Engine as _;
use sha2::{Digest, Sha256};
use tachkhis_shared::{
    api::{
        monitoring::Quantity,
        public::{Licence, Named, PublicProject},
    },
    codes::{ExecutionStatus, GroupKind, Sector},
    money::Mad,
};

use super::ListRow;
use crate::document::{Lang, html::esc};

/// The pages' stylesheet, inline (one request on a 2G link).
pub const STYLE: &str = "body{margin:0 auto;max-width:46rem;padding:.5rem .8rem;\
font-family:'Noto Naskh Arabic','Noto Sans Arabic',Tahoma,Arial,sans-serif;line-height:1.5;\
color:#1b1b1b;background:#fff}header,footer{font-size:.9rem;color:#444}\
header{display:flex;justify-content:space-between;gap:.5rem;border-bottom:1px solid #ccc;\
padding-bottom:.3rem}h1{font-size:1.35rem;margin:.6rem 0}h2{font-size:1.1rem;\
margin:1.1rem 0 .4rem;border-bottom:1px solid #ddd}table{border-collapse:collapse;width:100%}\
td,th{border-bottom:1px solid #e3e3e3;padding:.25rem .3rem;text-align:start;vertical-align:top}\
.n{text-align:end;white-space:nowrap}.muted{color:#666;font-size:.9rem}a{color:#0b57a4}\
form{display:flex;flex-wrap:wrap;gap:.4rem;align-items:end}label{display:flex;\
flex-direction:column;font-size:.85rem}select,button{font:inherit;padding:.2rem}\
blockquote{margin:.3rem 0;padding:.2rem .6rem;border-inline-start:3px solid #9bc}\
svg{max-width:100%;height:auto}dl{margin:0}dt{font-weight:bold}dd{margin:0 0 .3rem}";

/// The public pages' Content-Security-Policy: nothing but this inline stylesheet (no script,
/// no image, no font from anywhere); forms submit to the site itself.
pub fn csp() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
        format!(
            "default-src 'none'; style-src 'sha256-{hash}'; img-src 'self'; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        )
    })
}

/// The approved texts shown on a page stop at this many bytes of HTML (the rest: open data).
pub const TEXT_BUDGET: usize = 20_000;

/// The address of the list, a project, in a language.
pub fn list_path(l: Lang) -> &'static str {
    match l {
        Lang::Ar => "/p",
        Lang::Fr => "/p/fr",
    }
}

pub fn project_path(l: Lang, number: i64) -> String {
    match l {
        Lang::Ar => format!("/p/{number}"),
        Lang::Fr => format!("/p/fr/{number}"),
    }
}

fn name(l: Lang, n: &Named) -> String {
    esc(match l {
        Lang::Fr if !n.name_fr.trim().is_empty() => &n.name_fr,
        _ => &n.name_ar,
    })
}

fn title<'a>(l: Lang, ar: &'a str, fr: &'a str) -> &'a str {
    match l {
        Lang::Fr if !fr.trim().is_empty() => fr,
        _ => ar,
    }
}

fn amount(m: Option<&Mad>) -> String {
    match m {
        Some(m) => format!(
            "<span dir=\"ltr\" data-amount=\"{m}\">{}</span>",
            m.format_fr().replace(' ', "\u{a0}")
        ),
        None => "—".into(),
    }
}

fn pct(q: Option<&Quantity>) -> String {
    match q {
        Some(q) => format!("<span dir=\"ltr\">{}\u{a0}%</span>", q.0.normalize()),
        None => "—".into(),
    }
}

/// A `YYYY-MM-DD` date as dd/mm/yyyy.
fn date(d: &str) -> String {
    match d.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, day] => format!(
            "<span dir=\"ltr\">{}/{}/{}</span>",
            esc(day),
            esc(m),
            esc(y)
        ),
        _ => esc(d),
    }
}

fn sector(l: Lang, code: &str) -> String {
    let labels = Sector::parse(code).labels();
    esc(l.t(&labels.ar, &labels.fr))
}

fn group(l: Lang, g: &GroupKind) -> String {
    let labels = g.labels();
    esc(l.t(&labels.ar, &labels.fr))
}

fn status(l: Lang, s: Option<&ExecutionStatus>) -> String {
    match s {
        Some(s) => {
            let labels = s.labels();
            esc(l.t(&labels.ar, &labels.fr))
        }
        None => l.t("مبرمج في برنامج العمل", "Inscrit au programme").into(),
    }
}

/// A progress bar as inline SVG, filled from the reading side.
fn bar(l: Lang, q: Option<&Quantity>, test: &str) -> String {
    const W: f64 = 240.0;
    let p: f64 = q
        .and_then(|q| q.0.to_string().parse::<f64>().ok())
        .unwrap_or(0.0)
        .clamp(0.0, 100.0);
    let w = (W * p / 100.0).round();
    let x = if l == Lang::Ar { W - w } else { 0.0 };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" data-test=\"{test}\" viewBox=\"0 0 {W} 14\" \
         width=\"{W}\" height=\"14\" role=\"img\" aria-label=\"{p}%\">\
         <rect width=\"{W}\" height=\"14\" fill=\"#e4e4e4\"/>\
         <rect x=\"{x}\" width=\"{w}\" height=\"14\" fill=\"#2e7d4f\"/></svg>"
    )
}

/// Horizontal bars, one per row (label, count), labels on the reading side.
fn bars(l: Lang, rows: &[(String, i64)], test: &str) -> String {
    const W: f64 = 480.0;
    const LABEL: f64 = 210.0;
    const H: f64 = 20.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let height = rows.len() as f64 * H + 4.0;
    let span = W - LABEL - 40.0;
    let rtl = l == Lang::Ar;
    let mut o = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" data-test=\"{test}\" viewBox=\"0 0 {W} \
         {height}\" width=\"{W}\" height=\"{height}\" direction=\"ltr\" role=\"img\" \
         font-size=\"12\">"
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i as f64 * H + 2.0;
        let w = (span * *value as f64 / max).round().max(1.0);
        let (lx, anchor, bx, vx, vanchor) = if rtl {
            (W, "end", W - LABEL - w, W - LABEL - w - 4.0, "end")
        } else {
            (0.0, "start", LABEL, LABEL + w + 4.0, "start")
        };
        let _ = write!(
            o,
            "<text x=\"{lx}\" y=\"{}\" text-anchor=\"{anchor}\">{label}</text>\
             <rect x=\"{bx}\" y=\"{}\" width=\"{w}\" height=\"12\" fill=\"#3b6ea5\"/>\
             <text x=\"{vx}\" y=\"{}\" text-anchor=\"{vanchor}\">{value}</text>",
            y + 12.0,
            y + 2.0,
            y + 12.0
        );
    }
    o.push_str("</svg>");
    o
}

/// The page's head, header (the list, the other language) and opening of `<main>`.
fn open(o: &mut String, l: Lang, page_title: &str, commune: &str, other: &str) {
    let _ = write!(
        o,
        "<!doctype html><html lang=\"{}\" dir=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><header>\
         <a href=\"{}\">{} · {}</a><a href=\"{}\" lang=\"{}\">{}</a></header><main>",
        l.code(),
        l.dir(),
        esc(page_title),
        list_path(l),
        esc(commune),
        l.t("مشاريع برنامج عمل الجماعة", "Projets du programme d'action"),
        esc(other),
        l.t("fr", "ar"),
        l.t("Français", "العربية"),
    );
}

fn close(o: &mut String, l: Lang, licence: &Licence) {
    let _ = write!(
        o,
        "</main><footer><h2>{}</h2><p>{} <a href=\"/p/data/projects.json\">JSON</a> · \
         <a href=\"/p/data/projects.csv\">CSV</a> · <a href=\"/p/data/funding.csv\">{}</a> · \
         <a href=\"/p/data/asks.csv\">{}</a> · <a href=\"/p/data/proposals.csv\">{}</a></p>",
        l.t("البيانات المفتوحة", "Données ouvertes"),
        l.t("المحتوى المنشور نفسه:", "Le même contenu publié :"),
        l.t("التمويل", "financement"),
        l.t("الطلبات", "demandes"),
        l.t("المقترحات", "propositions"),
    );
    let text = title(l, &licence.text_ar, &licence.text_fr);
    if !text.trim().is_empty() {
        let _ = write!(o, "<p data-test=\"licence\">{}", esc(text));
        if !licence.url.is_empty() {
            let _ = write!(o, " <a href=\"{0}\" dir=\"ltr\">{0}</a>", esc(&licence.url));
        }
        o.push_str("</p>");
    }
    o.push_str("</footer></body></html>");
}

/// The list of published projects with its filter form.
#[allow(clippy::too_many_arguments)]
pub fn list_page(
    l: Lang,
    commune: (&str, &str),
    rows: &[ListRow],
    poles: &[Named],
    douars: &[Named],
    filter: &super::ListFilter,
    licence: &Licence,
    query: &str,
) -> String {
    let mut o = String::with_capacity(16 * 1024);
    let commune_name = title(l, commune.0, commune.1);
    let other = match l {
        Lang::Ar => format!("/p/fr{query}"),
        Lang::Fr => format!("/p{query}"),
    };
    let heading = l.t("مشاريع برنامج عمل الجماعة", "Projets du programme d'action");
    open(&mut o, l, heading, commune_name, &other);
    let _ = write!(o, "<h1>{}</h1>", esc(heading));
    // The filter: a plain GET form.
    let select = |o: &mut String,
                  field: &str,
                  label: &str,
                  chosen: &Option<String>,
                  opts: Vec<(String, String)>| {
        let chosen = chosen.as_deref().unwrap_or("");
        let _ = write!(
            o,
            "<label>{}<select name=\"{field}\"><option value=\"\">{}</option>",
            esc(label),
            l.t("الكل", "Tous")
        );
        for (value, text) in opts {
            let sel = if value == chosen { " selected" } else { "" };
            let _ = write!(o, "<option value=\"{}\"{sel}>{text}</option>", esc(&value));
        }
        o.push_str("</select></label>");
    };
    let _ = write!(o, "<form method=\"get\" action=\"{}\">", list_path(l));
    select(
        &mut o,
        "pole",
        l.t("القطب", "Pôle"),
        &filter.pole,
        poles.iter().map(|p| (p.id.clone(), name(l, p))).collect(),
    );
    select(
        &mut o,
        "douar",
        l.t("الدوار", "Douar"),
        &filter.douar,
        douars.iter().map(|d| (d.id.clone(), name(l, d))).collect(),
    );
    select(
        &mut o,
        "sector",
        l.t("القطاع", "Secteur"),
        &filter.sector,
        Sector::ALL
            .iter()
            .map(|s| (s.code().to_string(), sector(l, s.code())))
            .collect(),
    );
    let mut statuses: Vec<(String, String)> = vec![("none".into(), status(l, None))];
    statuses.extend(
        ExecutionStatus::ALL
            .iter()
            .map(|s| (s.code().to_string(), status(l, Some(s)))),
    );
    select(
        &mut o,
        "status",
        l.t("الوضعية", "Statut"),
        &filter.status,
        statuses,
    );
    let _ = write!(
        o,
        "<button type=\"submit\">{}</button></form>",
        l.t("عرض", "Afficher")
    );
    let _ = write!(
        o,
        "<p class=\"muted\" data-test=\"count\">{} {}</p>",
        rows.len(),
        l.t("مشروع", "projet(s)")
    );
    if !rows.is_empty() {
        let _ = write!(
            o,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th>\
             </tr></thead><tbody>",
            l.t("رقم", "N°"),
            l.t("المشروع", "Projet"),
            l.t("القطب", "Pôle"),
            l.t("الوضعية", "Statut"),
            l.t("الإنجاز المالي", "Avancement financier"),
        );
        for r in rows {
            let poles: Vec<String> = r.poles.iter().map(|p| name(l, p)).collect();
            let _ = write!(
                o,
                "<tr data-number=\"{n}\"><td>{n}</td><td><a href=\"{}\">{}</a>{}</td><td>{}</td>\
                 <td>{}</td><td class=\"n\">{}</td></tr>",
                project_path(l, r.number),
                esc(title(l, &r.title_ar, &r.title_fr)),
                r.sector
                    .as_deref()
                    .map(|s| format!("<br><span class=\"muted\">{}</span>", sector(l, s)))
                    .unwrap_or_default(),
                poles.join("، "),
                status(l, r.status.as_ref()),
                pct(r.financial_percent.as_ref()),
                n = r.number,
            );
        }
        o.push_str("</tbody></table>");
    }
    close(&mut o, l, licence);
    o
}

/// A project's page.
pub fn project_page(
    l: Lang,
    commune: (&str, &str),
    p: &PublicProject,
    licence: &Licence,
) -> String {
    let mut o = String::with_capacity(24 * 1024);
    let t = title(l, &p.title_ar, &p.title_fr);
    let other = match l {
        Lang::Ar => project_path(Lang::Fr, p.number),
        Lang::Fr => project_path(Lang::Ar, p.number),
    };
    open(&mut o, l, t, title(l, commune.0, commune.1), &other);
    let _ = write!(
        o,
        "<h1 data-test=\"title\">{}</h1><p class=\"muted\">{} {}</p>",
        esc(t),
        l.t("المشروع رقم", "Projet n°"),
        p.number
    );
    // What and where.
    let _ = write!(o, "<h2>{}</h2><dl>", l.t("المشروع", "Le projet"));
    if !p.description.trim().is_empty() {
        let _ = write!(o, "<dd>{}</dd>", esc(&p.description));
    }
    if let Some(s) = &p.sector {
        let _ = write!(
            o,
            "<dt>{}</dt><dd>{}</dd>",
            l.t("القطاع", "Secteur"),
            sector(l, s)
        );
    }
    if let Some(g) = &p.programme {
        let _ = write!(
            o,
            "<dt>{}</dt><dd>{}</dd>",
            l.t("البرنامج", "Programme"),
            name(l, g)
        );
    }
    let join = |v: &[Named]| v.iter().map(|n| name(l, n)).collect::<Vec<_>>().join("، ");
    if !p.poles.is_empty() {
        let _ = write!(
            o,
            "<dt>{}</dt><dd>{}</dd>",
            l.t("القطب", "Pôle"),
            join(&p.poles)
        );
    }
    if !p.douars.is_empty() {
        let _ = write!(
            o,
            "<dt>{}</dt><dd>{}</dd>",
            l.t("الدواوير", "Douars"),
            join(&p.douars)
        );
    }
    if !p.location.trim().is_empty() {
        let _ = write!(
            o,
            "<dt>{}</dt><dd>{}</dd>",
            l.t("الموقع", "Lieu"),
            esc(&p.location)
        );
    }
    o.push_str("</dl>");
    // Cost and funding.
    let _ = write!(
        o,
        "<h2>{}</h2><table data-test=\"funding\"><tbody><tr><td>{}</td><td class=\"n\">{}</td></tr>",
        l.t("الكلفة والتمويل (درهم)", "Coût et financement (MAD)"),
        l.t("الجماعة", "La commune"),
        amount(p.commune_contribution.as_ref())
    );
    for f in &p.partners {
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(title(l, &f.name_ar, &f.name_fr)),
            amount(f.amount.as_ref())
        );
    }
    let _ = write!(
        o,
        "<tr><th>{}</th><th class=\"n\">{}</th></tr></tbody></table>",
        l.t("الكلفة الإجمالية", "Coût total"),
        amount(p.cost.as_ref())
    );
    // Status and progress, financial and physical apart.
    let _ = write!(
        o,
        "<h2>{}</h2><p data-test=\"status\"><strong>{}</strong>",
        l.t("الوضعية والتقدم", "Statut et avancement"),
        status(l, p.status.as_ref().map(|s| &s.status))
    );
    if let Some(s) = &p.status {
        let _ = write!(o, " ({})", s.year);
        if !s.reason.trim().is_empty() {
            let _ = write!(o, ": {}", esc(&s.reason));
        }
    }
    o.push_str("</p>");
    let _ = write!(
        o,
        "<h3>{}</h3><p>{} {} · {} {} · {} {}</p><p>{} {}</p>",
        l.t("التقدم المالي", "Avancement financier"),
        l.t("مبرمج:", "programmé :"),
        amount(Some(&p.programmed)),
        l.t("ملتزم به:", "engagé :"),
        amount(Some(&p.committed)),
        l.t("مؤدى:", "payé :"),
        amount(Some(&p.paid)),
        bar(l, p.financial_percent.as_ref(), "financial"),
        pct(p.financial_percent.as_ref()),
    );
    let _ = write!(
        o,
        "<h3>{}</h3>",
        l.t("التقدم المادي", "Avancement physique")
    );
    if p.indicators.is_empty() {
        let _ = write!(
            o,
            "<p class=\"muted\">{}</p>",
            l.t("لا مؤشر بعد", "Aucun indicateur")
        );
    } else {
        o.push_str("<table><tbody>");
        for i in &p.indicators {
            let q = |v: &Option<Quantity>| {
                v.as_ref()
                    .map(|v| format!("<span dir=\"ltr\">{}</span>", v.0.normalize()))
                    .unwrap_or_else(|| "—".into())
            };
            let _ = write!(
                o,
                "<tr><td>{} ({})</td><td class=\"n\">{} / {}</td><td>{} {}</td></tr>",
                esc(title(l, &i.label_ar, &i.label_fr)),
                esc(&i.unit),
                q(&i.reached),
                q(&i.target),
                bar(l, i.percent.as_ref(), "physical"),
                pct(i.percent.as_ref())
            );
        }
        o.push_str("</tbody></table>");
    }
    // Timeline.
    if !p.timeline.is_empty() {
        let _ = write!(
            o,
            "<h2>{}</h2><ol data-test=\"timeline\">",
            l.t("المراحل", "Chronologie")
        );
        for e in &p.timeline {
            let _ = write!(
                o,
                "<li>{} — {}</li>",
                date(&e.date),
                esc(title(l, &e.text_ar, &e.text_fr))
            );
        }
        o.push_str("</ol>");
    }
    // Why it is in the programme.
    let w = &p.why;
    let _ = write!(
        o,
        "<h2>{}</h2>",
        l.t(
            "لماذا هذا المشروع في البرنامج",
            "Pourquoi ce projet est au programme"
        )
    );
    if w.sessions == 0 {
        let _ = write!(
            o,
            "<p data-test=\"why\">{}</p>",
            l.t(
                "لم يُربط هذا المشروع بعد بطلبات لقاءات التشخيص.",
                "Ce projet n'est pas encore relié aux demandes des séances du diagnostic."
            )
        );
    } else {
        let douars: std::collections::BTreeSet<&str> = w
            .by_douar_group
            .iter()
            .map(|a| a.douar.id.as_str())
            .collect();
        let _ = write!(
            o,
            "<p data-test=\"why\">{}</p>",
            match l {
                Lang::Ar => format!(
                    "طلبته {} جلسة تشاورية في {} دوار ({} مقترح).",
                    w.sessions,
                    douars.len(),
                    w.proposals
                ),
                Lang::Fr => format!(
                    "{} séance(s) d'écoute dans {} douar(s) l'ont demandé ({} proposition(s)).",
                    w.sessions,
                    douars.len(),
                    w.proposals
                ),
            }
        );
        let rows: Vec<(String, i64)> = w
            .by_group
            .iter()
            .map(|g| (group(l, &g.group_kind), g.sessions))
            .collect();
        o.push_str(&bars(l, &rows, "groups"));
        // Douar × group.
        let groups: Vec<&GroupKind> = GroupKind::ALL
            .iter()
            .filter(|g| w.by_douar_group.iter().any(|a| &a.group_kind == *g))
            .chain(
                w.by_douar_group
                    .iter()
                    .map(|a| &a.group_kind)
                    .filter(|g| !g.is_known())
                    .take(1),
            )
            .collect();
        let _ = write!(
            o,
            "<table data-test=\"asks\"><thead><tr><th>{}</th>",
            l.t("الدوار", "Douar")
        );
        for g in &groups {
            let _ = write!(o, "<th class=\"n\">{}</th>", group(l, g));
        }
        o.push_str("</tr></thead><tbody>");
        let mut seen: Vec<&str> = Vec::new();
        for a in &w.by_douar_group {
            if seen.contains(&a.douar.id.as_str()) {
                continue;
            }
            seen.push(&a.douar.id);
            let _ = write!(o, "<tr><td>{}</td>", name(l, &a.douar));
            for g in &groups {
                let n = w
                    .by_douar_group
                    .iter()
                    .find(|x| x.douar.id == a.douar.id && &x.group_kind == *g)
                    .map_or(0, |x| x.sessions);
                let _ = write!(
                    o,
                    "<td class=\"n\">{}</td>",
                    if n == 0 {
                        "·".to_string()
                    } else {
                        n.to_string()
                    }
                );
            }
            o.push_str("</tr>");
        }
        o.push_str("</tbody></table>");
        if !w.texts.is_empty() {
            let _ = write!(
                o,
                "<h3>{}</h3><div data-test=\"texts\">",
                l.t("ما قالته الساكنة", "Ce que les habitants ont dit")
            );
            let mut used = 0usize;
            let mut shown = 0usize;
            for t in &w.texts {
                let place = t.douar.as_ref().map(|d| name(l, d)).unwrap_or_default();
                let quote = format!(
                    "<blockquote><p>{}</p><p>→ {}</p><p class=\"muted\">{} · {} · {}</p>\
                     </blockquote>",
                    esc(&t.problem),
                    esc(&t.solution),
                    group(l, &t.group_kind),
                    place,
                    date(&t.session_date)
                );
                // The budget counts the markup as sent, not only the texts.
                if used + quote.len() > TEXT_BUDGET && shown > 0 {
                    break;
                }
                used += quote.len();
                shown += 1;
                o.push_str(&quote);
            }
            o.push_str("</div>");
            if shown < w.texts.len() {
                let _ = write!(
                    o,
                    "<p class=\"muted\" data-test=\"more\">{} {} <a href=\"/p/data/proposals.csv\">CSV</a></p>",
                    w.texts.len() - shown,
                    l.t(
                        "نصوص أخرى في البيانات المفتوحة:",
                        "autres textes dans les données ouvertes :"
                    )
                );
            }
        }
    }
    close(&mut o, l, licence);
    o
}

/// The page of an unknown or unpublished project (the same for both), in both languages.
pub fn not_found_page() -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html><html lang=\"ar\" dir=\"rtl\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>404</title><style>{STYLE}</style></head><body><main><h1>لا توجد صفحة بهذا العنوان</h1>\
         <p lang=\"fr\" dir=\"ltr\">Aucune page à cette adresse.</p>\
         <p><a href=\"/p\">مشاريع برنامج عمل الجماعة</a> · \
         <a href=\"/p/fr\" lang=\"fr\">Projets du programme d'action</a></p></main></body></html>"
    );
    o
}
