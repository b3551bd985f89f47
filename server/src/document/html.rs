//! The PAC document as one printable HTML page, from [`PacDocument`] alone (a frozen version
//! renders from its stored JSON, so nothing here reads the database).
//!
//! Every answer carries the app's Content-Security-Policy (`style-src 'self'`, no inline
//! script): no `<style>` element, no `style=` attribute; the look is the linked stylesheet
//! (`print.css`, served at `/api/pac/document.css`) and classes. Every text from the data
//! goes through [`esc`].

use std::fmt::Write;

use tachkhis_shared::{
    Sector,
    api::{gender::ByGroup, priorities::Measure},
    codes::{GroupKind, IndicatorKind},
    money::Mad,
};

use super::data::{PacDocument, ProjectSheet, Step};
use super::svg;

/// The document's language: Arabic (right to left, the default) or French.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ar,
    Fr,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Fr => "fr",
        }
    }

    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            Lang::Fr => "ltr",
        }
    }

    /// The text in this language.
    pub fn t<'a>(self, ar: &'a str, fr: &'a str) -> &'a str {
        match self {
            Lang::Ar => ar,
            Lang::Fr => fr,
        }
    }

    /// A name kept in both languages: the French one may be blank, then the Arabic is shown.
    pub(crate) fn name<'a>(self, ar: &'a str, fr: &'a str) -> &'a str {
        match self {
            Lang::Fr if !fr.trim().is_empty() => fr,
            _ => ar,
        }
    }
}

/// The sections in the order the law asks for (Decree 2.16.301): id, Arabic and French title.
pub const SECTIONS: [(&str, &str, &str); 7] = [
    (
        "commune",
        "الجماعة والمسطرة المتبعة",
        "La commune et la procédure suivie",
    ),
    (
        "diagnosis",
        "التشخيص التشاركي",
        "Le diagnostic participatif",
    ),
    ("priorities", "الأولويات", "Les priorités"),
    ("programme", "جدول البرنامج", "Le tableau du programme"),
    ("projects", "بطاقات المشاريع", "Les fiches des projets"),
    (
        "monitoring",
        "مؤشرات منظومة التتبع",
        "Les indicateurs du suivi",
    ),
    (
        "opinions",
        "آراء اللجان الدائمة وهيئة المساواة وتكافؤ الفرص ومقاربة النوع",
        "Les avis des commissions permanentes et de l'IEECAG",
    ),
];

/// HTML-escaped text (elements and attribute values alike).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters have no place in a printed page.
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// An amount as the seed's documents print it ("20 870 000,00"), kept left to right inside
/// Arabic text (else the bidi algorithm reverses the digit groups), with its exact value in
/// `data-amount`.
pub(crate) fn amount(m: Option<&Mad>) -> String {
    match m {
        Some(m) => format!(
            "<span class=\"amount\" dir=\"ltr\" data-amount=\"{m}\">{}</span>",
            m.format_fr().replace(' ', "\u{a0}")
        ),
        None => "<span class=\"unknown\">—</span>".into(),
    }
}

/// A 'YYYY-MM-DD' date as the commune's documents write it (dd/mm/yyyy).
pub(crate) fn date(d: &str) -> String {
    let parts: Vec<&str> = d.split('-').collect();
    match parts.as_slice() {
        [y, m, day] => format!(
            "<span dir=\"ltr\">{}/{}/{}</span>",
            esc(day),
            esc(m),
            esc(y)
        ),
        _ => esc(d),
    }
}

fn step_kind(l: Lang, kind: &str) -> String {
    let (ar, fr) = match kind {
        "launch_meeting" => (
            "اللقاء التشاوري للإعلان عن انطلاق الإعداد",
            "Réunion de lancement",
        ),
        "diagnosis" => ("التشخيص التشاركي", "Diagnostic participatif"),
        "ranking" => (
            "ترتيب الأولويات واختيار المشاريع",
            "Classement des priorités",
        ),
        "bureau_approval" => ("مصادقة مكتب المجلس", "Approbation du bureau"),
        "sent_to_bodies" => (
            "الإحالة على اللجان الدائمة والهيئة",
            "Transmission aux commissions et à l'IEECAG",
        ),
        "council_session" => ("دورة المجلس", "Session du conseil"),
        "vote" => ("التصويت", "Vote du conseil"),
        "sent_to_governor" => ("الإحالة على عامل الإقليم", "Transmission au gouverneur"),
        "visa" => ("التأشير", "Visa du gouverneur"),
        "visa_refused" => ("رفض التأشير", "Visa refusé"),
        "redeliberation_requested" => ("طلب إعادة التداول", "Nouvelle délibération demandée"),
        other => return esc(other),
    };
    l.t(ar, fr).to_string()
}

fn verdict(l: Lang, v: &str) -> String {
    let (ar, fr) = match v {
        "favourable" => ("رأي إيجابي", "Favorable"),
        "reservations" => ("رأي إيجابي مع تحفظات", "Favorable avec réserves"),
        "unfavourable" => ("رأي سلبي", "Défavorable"),
        other => return esc(other),
    };
    l.t(ar, fr).to_string()
}

fn version_status(l: Lang, s: &str) -> String {
    let (ar, fr) = match s {
        "draft" => ("مشروع قيد الإعداد", "projet en cours"),
        "voted" => ("مصادق عليه من طرف المجلس", "voté par le conseil"),
        "executable" => ("قابل للتنفيذ (مؤشر عليه)", "exécutoire (visé)"),
        "refused" => ("رفض التأشير", "visa refusé"),
        "superseded" => ("متجاوز بنسخة أحدث", "remplacé par une version plus récente"),
        other => return esc(other),
    };
    l.t(ar, fr).to_string()
}

fn measure(l: Lang, m: &Measure) -> String {
    let (ar, fr) = match m {
        Measure::Entered => ("تنقيط معلل", "note saisie et motivée"),
        Measure::Sessions => ("عدد اللقاءات", "nombre de séances"),
        Measure::Douars => ("عدد الدواوير", "nombre de douars"),
        Measure::Poles => ("عدد الأقطاب", "nombre de pôles"),
        Measure::WomenVulnerableShare => (
            "حصة لقاءات النساء والشباب وذوي الإعاقة",
            "part des séances femmes, jeunes, handicap",
        ),
        Measure::People => ("عدد الحاضرين", "personnes présentes"),
        Measure::CostShare => (
            "حصة الكلفة من إمكانيات الجماعة",
            "part du coût dans les moyens",
        ),
        Measure::PartnersShare => ("حصة الشركاء", "part des partenaires"),
        Measure::Unknown(code) => return esc(code),
    };
    l.t(ar, fr).to_string()
}

fn sector(l: Lang, s: Option<&Sector>) -> String {
    match s {
        Some(s) => {
            let labels = s.labels();
            esc(l.t(&labels.ar, &labels.fr))
        }
        None => l.t("بدون قطاع", "sans secteur").to_string(),
    }
}

fn group(l: Lang, g: &GroupKind) -> String {
    let labels = g.labels();
    esc(l.t(&labels.ar, &labels.fr))
}

/// The whole page. `stylesheet` is the stylesheet's URL as the page will find it (the route
/// gives `/api/pac/document.css`; a file printed from disk, a relative name).
pub fn render(doc: &PacDocument, l: Lang, stylesheet: &str) -> String {
    let mut o = String::with_capacity(256 * 1024);
    let c = &doc.commune;
    let years = match (c.mandate_start, c.mandate_end) {
        (Some(s), Some(e)) => format!("{s}-{e}"),
        _ => String::new(),
    };
    let title = format!(
        "{} {} — {}",
        l.t("برنامج عمل الجماعة", "Programme d'action de la commune"),
        years,
        l.name(&c.name_ar, &c.name_fr)
    );
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{}\" dir=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<link rel=\"stylesheet\" href=\"{}\">\n</head>\n\
         <body class=\"pac pac-{}\">\n",
        l.code(),
        l.dir(),
        esc(&title),
        esc(stylesheet),
        l.code()
    );
    cover(&mut o, doc, l, &years);
    toc(&mut o, l);
    for (i, (id, ar, fr)) in SECTIONS.iter().enumerate() {
        let _ = write!(
            o,
            "<section class=\"part\" id=\"s-{id}\" data-section=\"{id}\">\n\
             <h2><span class=\"n\">{}.</span> {}</h2>\n",
            i + 1,
            l.t(ar, fr)
        );
        match *id {
            "commune" => commune(&mut o, doc, l),
            "diagnosis" => diagnosis(&mut o, doc, l),
            "priorities" => priorities(&mut o, doc, l),
            "programme" => programme(&mut o, doc, l),
            "projects" => projects(&mut o, doc, l),
            "monitoring" => monitoring(&mut o, doc, l),
            _ => opinions(&mut o, doc, l),
        }
        o.push_str("</section>\n");
    }
    o.push_str("</body>\n</html>\n");
    o
}

fn cover(o: &mut String, doc: &PacDocument, l: Lang, years: &str) {
    let c = &doc.commune;
    let _ = write!(
        o,
        "<header class=\"cover\" data-section=\"cover\">\n<p class=\"kingdom\">{}</p>\n",
        l.t("المملكة المغربية", "Royaume du Maroc")
    );
    if let Some(r) = &c.region {
        let _ = writeln!(o, "<p>{} {}</p>", l.t("جهة", "Région"), esc(r));
    }
    if let Some(p) = &c.province {
        let _ = writeln!(o, "<p>{} {}</p>", l.t("إقليم", "Province"), esc(p));
    }
    let _ = write!(
        o,
        "<p class=\"commune\" data-test=\"commune\">{}</p>\n\
         <h1>{}<br><span class=\"years\" dir=\"ltr\">{}</span></h1>\n",
        esc(l.name(&c.name_ar, &c.name_fr)),
        l.t("برنامج عمل الجماعة", "Programme d'action de la commune"),
        esc(years)
    );
    if let Some(v) = &doc.version {
        let _ = writeln!(
            o,
            "<p class=\"version\" data-test=\"version\" data-number=\"{}\">{} {} — {}</p>",
            v.number,
            l.t("النسخة", "Version"),
            v.number,
            version_status(l, &v.status)
        );
    }
    let illustrative = doc.steps.iter().any(|s| s.illustrative)
        || doc
            .bodies
            .iter()
            .any(|b| b.opinions.iter().any(|o| o.illustrative))
        || doc.monitoring.indicators.iter().any(|i| i.illustrative);
    if illustrative {
        let _ = writeln!(
            o,
            "<p class=\"illustrative-note\" data-test=\"illustrative\">{}</p>",
            l.t(
                "تنبيه: المعطيات المعلمة بـ * توضيحية (مراجع، أصوات، آراء ومؤشرات غير واردة في الوثيقة الأصلية).",
                "Note : les données marquées * sont illustratives (références, votes, avis et indicateurs absents du document d'origine)."
            )
        );
    }
    o.push_str("</header>\n");
}

/// The table of contents: links to the sections. Chromium does not implement
/// `target-counter()`, so the page numbers are not printed beside the titles (each page
/// carries its number at the bottom).
fn toc(o: &mut String, l: Lang) {
    let _ = write!(
        o,
        "<nav class=\"toc\" data-section=\"toc\">\n<h2 class=\"toc-title\">{}</h2>\n<ol>\n",
        l.t("الفهرس", "Sommaire")
    );
    for (id, ar, fr) in SECTIONS {
        let _ = writeln!(o, "<li><a href=\"#s-{id}\">{}</a></li>", l.t(ar, fr));
    }
    o.push_str("</ol>\n</nav>\n");
}

fn star(illustrative: bool) -> &'static str {
    if illustrative {
        "<span class=\"star\" title=\"illustrative\">*</span>"
    } else {
        ""
    }
}

fn commune(o: &mut String, doc: &PacDocument, l: Lang) {
    let c = &doc.commune;
    let _ = write!(
        o,
        "<table class=\"facts\">\n<tbody>\n\
         <tr><th>{}</th><td>{}</td></tr>\n",
        l.t("الجماعة", "Commune"),
        esc(l.name(&c.name_ar, &c.name_fr)),
    );
    if let Some(p) = &c.province {
        let _ = writeln!(
            o,
            "<tr><th>{}</th><td>{}</td></tr>",
            l.t("الإقليم", "Province"),
            esc(p)
        );
    }
    if let Some(r) = &c.region {
        let _ = writeln!(
            o,
            "<tr><th>{}</th><td>{}</td></tr>",
            l.t("الجهة", "Région"),
            esc(r)
        );
    }
    if let (Some(s), Some(e)) = (c.mandate_start, c.mandate_end) {
        let _ = writeln!(
            o,
            "<tr><th>{}</th><td><span dir=\"ltr\">{s}-{e}</span></td></tr>",
            l.t("مدة البرنامج", "Période du programme")
        );
    }
    o.push_str("</tbody>\n</table>\n");
    let _ = writeln!(
        o,
        "<p class=\"law\">{}</p>",
        l.t(
            "أعد هذا البرنامج طبقا للمادة 78 من القانون التنظيمي 113.14 المتعلق بالجماعات والمرسوم 2.16.301 المحدد لمسطرة إعداده وتتبعه وتحيينه وتقييمه، وفق مقاربة تشاركية تراعي مقاربة النوع.",
            "Programme établi selon l'article 78 de la loi organique 113.14 relative aux communes et le décret 2.16.301 fixant la procédure de son élaboration, de son suivi, de sa mise à jour et de son évaluation, par une démarche participative tenant compte de l'approche genre."
        )
    );
    let _ = writeln!(
        o,
        "<h3>{}</h3>",
        l.t("المراحل المؤرخة", "Les étapes datées")
    );
    if doc.steps.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"empty\">{}</p>",
            l.t("لم تسجل أي مرحلة بعد.", "Aucune étape enregistrée.")
        );
        return;
    }
    let _ = write!(
        o,
        "<table class=\"grid steps\" data-test=\"steps\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        l.t("التاريخ", "Date"),
        l.t("المرحلة", "Étape"),
        l.t("المرجع", "Référence"),
        l.t("ملاحظات", "Observations"),
    );
    for s in &doc.steps {
        step_row(o, s, l);
    }
    o.push_str("</tbody>\n</table>\n");
}

fn step_row(o: &mut String, s: &Step, l: Lang) {
    let mut when = date(&s.date);
    if let Some(end) = &s.end_date {
        let _ = write!(when, " – {}", date(end));
    }
    let mut what = step_kind(l, &s.kind);
    if let Some(b) = &s.body_ar {
        let _ = write!(
            what,
            " ({})",
            esc(l.name(b, s.body_fr.as_deref().unwrap_or("")))
        );
    }
    let mut note = esc(&s.note);
    if let Some(v) = &s.vote {
        let ordinary = v.session_kind == "ordinary";
        let adopted = v.result == "adopted";
        let vote = match l {
            Lang::Ar => format!(
                "دورة {}، الحاضرون {} من {}؛ {} مع، {} ضد، {} امتناع — {}",
                if ordinary {
                    "عادية"
                } else {
                    "استثنائية"
                },
                v.members_present,
                v.members_total,
                v.votes_for,
                v.votes_against,
                v.abstentions,
                if adopted {
                    "صودق عليه"
                } else {
                    "رُفض"
                }
            ),
            Lang::Fr => format!(
                "Session {}, {} présents sur {} ; {} pour, {} contre, {} abstentions — {}",
                if ordinary {
                    "ordinaire"
                } else {
                    "extraordinaire"
                },
                v.members_present,
                v.members_total,
                v.votes_for,
                v.votes_against,
                v.abstentions,
                if adopted { "adopté" } else { "rejeté" }
            ),
        };
        if !note.is_empty() {
            note.push(' ');
        }
        let _ = write!(note, "<span data-test=\"vote\">{vote}</span>");
    }
    if let Some(r) = &s.late_reason {
        let _ = write!(
            note,
            " <span class=\"late\">{}: {}</span>",
            l.t("سبب التأخير", "Motif du retard"),
            esc(r)
        );
    }
    let _ = writeln!(
        o,
        "<tr data-test=\"step\" data-kind=\"{}\"><td class=\"date\">{when}</td><td>{what}</td><td>{}{}</td><td>{note}</td></tr>",
        esc(&s.kind),
        esc(&s.reference),
        star(s.illustrative)
    );
}

fn by_group_cells(o: &mut String, b: &ByGroup) {
    for v in b.to_array().iter().take(6) {
        let _ = write!(o, "<td class=\"num\">{v}</td>");
    }
    let _ = write!(o, "<td class=\"num total\">{}</td>", b.total());
}

fn diagnosis(o: &mut String, doc: &PacDocument, l: Lang) {
    let d = &doc.diagnosis;
    let sep = l.t("؛", ";");
    let _ = writeln!(
        o,
        "<p>{} <strong dir=\"ltr\">{}</strong>{sep} {} <strong dir=\"ltr\">{}</strong>{sep} {} <strong dir=\"ltr\">{}</strong>.</p>",
        l.t("عدد اللقاءات التشاورية:", "Séances d'écoute :"),
        d.participation_total.sessions.total(),
        l.t("عدد المقترحات:", "Propositions :"),
        d.proposals,
        l.t("عدد الحاجيات:", "Besoins :"),
        d.needs.len()
    );
    // Sessions per pole and group.
    let _ = write!(
        o,
        "<h3>{}</h3>\n<table class=\"grid\" data-test=\"sessions\">\n<thead><tr><th>{}</th>",
        l.t(
            "اللقاءات حسب القطب والفئة",
            "Séances par pôle et par groupe"
        ),
        l.t("القطب", "Pôle")
    );
    for g in ByGroup::COLUMNS.iter().take(6).flatten() {
        let _ = write!(o, "<th>{}</th>", group(l, g));
    }
    let _ = writeln!(
        o,
        "<th>{}</th></tr></thead>\n<tbody>",
        l.t("المجموع", "Total")
    );
    for p in &d.participation {
        let _ = write!(o, "<tr><td>{}</td>", esc(l.name(&p.name_ar, &p.name_fr)));
        by_group_cells(o, &p.sessions);
        o.push_str("</tr>\n");
    }
    let _ = write!(
        o,
        "</tbody>\n<tfoot><tr class=\"total-row\"><td>{}</td>",
        l.t("الجماعة", "Commune")
    );
    by_group_cells(o, &d.participation_total.sessions);
    o.push_str("</tr></tfoot>\n</table>\n");

    // Participation by sex, youth and disability.
    let _ = write!(
        o,
        "<h3>{}</h3>\n<table class=\"grid\" data-test=\"participation\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        l.t(
            "المشاركة حسب الجنس والشباب والإعاقة",
            "Participation par sexe, jeunes et handicap"
        ),
        l.t("القطب", "Pôle"),
        l.t("النساء", "Femmes"),
        l.t("الرجال", "Hommes"),
        l.t("شابات", "Jeunes femmes"),
        l.t("شبان", "Jeunes hommes"),
        l.t("نساء في وضعية إعاقة", "Femmes handicapées"),
        l.t("رجال في وضعية إعاقة", "Hommes handicapés"),
        l.t("المجموع", "Total"),
    );
    let part_row = |o: &mut String,
                    name: &str,
                    p: &tachkhis_shared::api::gender::Participation,
                    class: &str| {
        let _ = writeln!(
            o,
            "<tr class=\"{class}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num total\">{}</td></tr>",
            esc(name),
            p.women,
            p.men,
            p.youth_women,
            p.youth_men,
            p.disabled_women,
            p.disabled_men,
            p.women + p.men
        );
    };
    for p in &d.participation {
        part_row(o, l.name(&p.name_ar, &p.name_fr), p, "");
    }
    o.push_str("</tbody>\n<tfoot>");
    part_row(
        o,
        l.t("الجماعة", "Commune"),
        &d.participation_total,
        "total-row",
    );
    let _ = writeln!(
        o,
        "</tfoot>\n</table>\n<p class=\"hint\">{}</p>",
        l.t(
            "الشباب والأشخاص في وضعية إعاقة محسوبون ضمن النساء والرجال الحاضرين.",
            "Les jeunes et les personnes handicapées sont comptés parmi les femmes et les hommes présents."
        )
    );
    let _ = writeln!(
        o,
        "<figure class=\"chart\" data-test=\"chart-participation\">{}<figcaption>{}</figcaption></figure>",
        svg::participation(&d.participation, l),
        l.t("الحضور حسب القطب والجنس", "Présents par pôle et par sexe")
    );

    // Needs by sector, then every need.
    let _ = writeln!(
        o,
        "<h3>{}</h3>\n<figure class=\"chart\" data-test=\"chart-sectors\">{}<figcaption>{}</figcaption></figure>",
        l.t("الحاجيات حسب القطاع", "Besoins par secteur"),
        svg::sectors(&d.by_sector, l),
        l.t(
            "المقترحات والحاجيات حسب القطاع (كل سلسلة بسلمها)",
            "Propositions et besoins par secteur (chaque série à son échelle)"
        )
    );
    if d.needs.is_empty() {
        let _ = writeln!(
            o,
            "<h3>{}</h3>\n<p class=\"empty\">{}</p>",
            l.t("الحاجيات المعبر عنها", "Les besoins exprimés"),
            l.t(
                "لم تجمع المقترحات في حاجيات بعد.",
                "Les propositions ne sont pas encore regroupées en besoins."
            )
        );
        return;
    }
    let _ = write!(
        o,
        "<h3>{}</h3>\n<table class=\"grid\" data-test=\"needs\">\n<thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        l.t("الحاجيات المعبر عنها", "Les besoins exprimés"),
        l.t("الحاجة", "Besoin"),
        l.t("القطاع", "Secteur"),
        l.t("المقترحات", "Propositions"),
        l.t("اللقاءات", "Séances"),
        l.t("الحاضرون", "Présents"),
    );
    for (i, n) in d.needs.iter().enumerate() {
        let _ = writeln!(
            o,
            "<tr data-test=\"need\"><td class=\"num\">{}</td><td dir=\"auto\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            i + 1,
            esc(&n.title),
            sector(l, n.sector.as_ref()),
            n.proposals,
            n.sessions,
            n.present
        );
    }
    o.push_str("</tbody>\n</table>\n");
}

fn priorities(o: &mut String, doc: &PacDocument, l: Lang) {
    let p = &doc.priorities;
    let _ = write!(
        o,
        "<h3>{}</h3>\n<table class=\"grid\" data-test=\"criteria\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        l.t("معايير الترتيب وأوزانها", "Critères et pondérations"),
        l.t("المعيار", "Critère"),
        l.t("طريقة التنقيط", "Mesure"),
        l.t("الوزن", "Poids"),
    );
    for c in &p.criteria {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(l.name(&c.name_ar, &c.name_fr)),
            measure(l, &c.measure),
            c.weight
        );
    }
    let _ = write!(
        o,
        "</tbody>\n</table>\n<h3>{}</h3>\n<table class=\"grid\" data-test=\"ranked\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        l.t(
            "لائحة المشاريع مرتبة حسب الأولوية",
            "Les projets classés par priorité"
        ),
        l.t("الرتبة", "Rang"),
        l.t("رقم المشروع", "N°"),
        l.t("المشروع", "Projet"),
        l.t("المجموع", "Total"),
    );
    for r in &p.ranked {
        let _ = writeln!(
            o,
            "<tr data-test=\"ranked-row\" data-number=\"{}\"><td class=\"num\">{}{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            r.number,
            r.rank,
            if r.tied { "=" } else { "" },
            r.number,
            esc(l.name(&r.title_ar, &r.title_fr)),
            r.total
        );
    }
    o.push_str("</tbody>\n</table>\n");
}

fn programme(o: &mut String, doc: &PacDocument, l: Lang) {
    let t = &doc.programme;
    let _ = write!(
        o,
        "<table class=\"grid programme\" data-test=\"programme-table\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n",
        l.t("البرنامج", "Programme"),
        l.t("عدد المشاريع", "Projets"),
        l.t("مساهمة الجماعة (درهم)", "Part de la commune (MAD)"),
        l.t("مساهمة الشركاء (درهم)", "Part des partenaires (MAD)"),
    );
    for a in &t.axes {
        let _ = writeln!(
            o,
            "<tbody>\n<tr class=\"axis-row\" data-test=\"axis-row\"><th colspan=\"4\">{} {}</th></tr>",
            l.t("المحور الاستراتيجي:", "Axe stratégique :"),
            esc(l.name(&a.axis_ar, &a.axis_fr)),
        );
        for r in t.rows.iter().filter(|r| r.axis_id == a.axis_id) {
            let _ = writeln!(
                o,
                "<tr data-test=\"programme-row\" data-axis=\"{}\" data-programme=\"{}\"><td>{}</td><td class=\"num\" data-projects=\"{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&r.axis_ar),
                esc(&r.programme_ar),
                esc(l.name(&r.programme_ar, &r.programme_fr)),
                r.projects,
                r.projects,
                amount(Some(&r.commune_contribution)),
                amount(Some(&r.partners_contribution)),
            );
        }
        let _ = writeln!(
            o,
            "<tr class=\"subtotal-row\" data-test=\"axis-subtotal\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n</tbody>",
            l.t("المجموع الجزئي", "Sous-total"),
            a.totals.projects,
            amount(Some(&a.totals.commune)),
            amount(Some(&a.totals.partners)),
        );
    }
    let _ = writeln!(
        o,
        "<tfoot><tr class=\"total-row\" data-test=\"programme-total\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr></tfoot>\n</table>",
        l.t("المجموع العام", "Total général"),
        t.total.projects,
        amount(Some(&t.total.commune)),
        amount(Some(&t.total.partners)),
    );
}

/// A sheet per named project; the projects the source counts without naming them (the demo's
/// placeholders) in one table after them, as they hold nothing but their amounts.
fn projects(o: &mut String, doc: &PacDocument, l: Lang) {
    for p in doc.projects.iter().filter(|p| !p.placeholder) {
        sheet(o, p, l);
    }
    let placeholders: Vec<&ProjectSheet> = doc.projects.iter().filter(|p| p.placeholder).collect();
    if placeholders.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<h3>{}</h3>\n<p class=\"hint\">{}</p>\n<table class=\"grid\" data-test=\"placeholders\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        l.t("مشاريع غير مسماة في الوثيقة الأصلية", "Projets non nommés dans le document d'origine"),
        l.t(
            "يحصي البرنامج هذه المشاريع دون تسميتها؛ مبالغها توزيع لمجاميع كل برنامج (معطيات العرض).",
            "Le programme compte ces projets sans les nommer ; leurs montants répartissent les totaux de chaque programme (données de démonstration).",
        ),
        l.t("الرقم", "N°"),
        l.t("البرنامج", "Programme"),
        l.t("مساهمة الجماعة", "Part de la commune"),
        l.t("مساهمة الشركاء", "Part des partenaires"),
        l.t("الرتبة", "Rang"),
    );
    for p in placeholders {
        let _ = writeln!(
            o,
            "<tr data-test=\"sheet\" data-number=\"{}\"><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            p.number,
            p.number,
            esc(l.name(&p.programme_ar, &p.programme_fr)),
            amount(p.commune_contribution.as_ref()),
            amount(p.partners_contribution.as_ref()),
            p.rank.map(|r| r.to_string()).unwrap_or_default(),
        );
    }
    o.push_str("</tbody>\n</table>\n");
}

fn sheet(o: &mut String, p: &ProjectSheet, l: Lang) {
    let _ = write!(
        o,
        "<article class=\"sheet\" data-test=\"sheet\" data-number=\"{}\">\n<h3><span class=\"n\" dir=\"ltr\">{}</span> {}</h3>\n<table class=\"facts\">\n<tbody>\n",
        p.number,
        p.number,
        esc(l.name(&p.title_ar, &p.title_fr))
    );
    let mut row = |label: &str, value: String| {
        if !value.is_empty() {
            let _ = writeln!(o, "<tr><th>{label}</th><td>{value}</td></tr>");
        }
    };
    row(
        l.t("المحور / البرنامج", "Axe / programme"),
        format!(
            "{} / {}",
            esc(l.name(&p.axis_ar, &p.axis_fr)),
            esc(l.name(&p.programme_ar, &p.programme_fr))
        ),
    );
    if p.sector.is_some() {
        row(l.t("القطاع", "Secteur"), sector(l, p.sector.as_ref()));
    }
    let mut place = esc(&p.location);
    if !p.douars.is_empty() {
        let names: Vec<String> = p
            .douars
            .iter()
            .map(|(ar, fr)| esc(l.name(ar, fr)))
            .collect();
        if !place.is_empty() {
            place.push_str(" — ");
        }
        place.push_str(&names.join(l.t("، ", ", ")));
    }
    row(l.t("الموقع", "Localisation"), place);
    row(
        l.t("الكلفة الإجمالية (درهم)", "Coût total (MAD)"),
        amount(p.total_cost.as_ref()),
    );
    row(
        l.t("مساهمة الجماعة", "Part de la commune"),
        amount(p.commune_contribution.as_ref()),
    );
    row(
        l.t("مساهمة الشركاء", "Part des partenaires"),
        amount(p.partners_contribution.as_ref()),
    );
    if let (Some(s), Some(e)) = (p.start_year, p.end_year) {
        row(
            l.t("مدة الإنجاز", "Années"),
            format!("<span dir=\"ltr\">{s}-{e}</span>"),
        );
    }
    row(l.t("صاحب المشروع", "Maître d'ouvrage"), esc(&p.owner));
    row(
        l.t("مصدر التمويل", "Source de financement"),
        esc(p.funding_source.as_deref().unwrap_or("")),
    );
    row(
        l.t("وضعية التنفيذ", "État"),
        esc(p.status.as_deref().unwrap_or("")),
    );
    row(
        l.t("الحاجيات المرتبطة", "Besoins liés"),
        if p.needs > 0 {
            p.needs.to_string()
        } else {
            String::new()
        },
    );
    row(
        l.t("الرتبة", "Rang"),
        p.rank.map(|r| r.to_string()).unwrap_or_default(),
    );
    o.push_str("</tbody>\n</table>\n</article>\n");
}

fn monitoring(o: &mut String, doc: &PacDocument, l: Lang) {
    let m = &doc.monitoring;
    if m.indicators.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"empty\">{}</p>",
            l.t("لم يحدد أي مؤشر بعد.", "Aucun indicateur défini.")
        );
        return;
    }
    let _ = write!(
        o,
        "<table class=\"grid indicators\" data-test=\"indicators\">\n<thead><tr><th>{}</th><th>{}</th><th class=\"label\">{}</th><th>{}</th><th>{}</th>",
        l.t("المشروع", "Projet"),
        l.t("النوع", "Type"),
        l.t("المؤشر", "Indicateur"),
        l.t("الوحدة", "Unité"),
        l.t("القيمة المرجعية", "Référence"),
    );
    for y in &m.years {
        let _ = write!(o, "<th dir=\"ltr\">{y}</th>");
    }
    let _ = writeln!(
        o,
        "<th>{}</th></tr></thead>\n<tbody>",
        l.t("المصدر", "Source")
    );
    for i in &m.indicators {
        let kind = match &i.kind {
            Some(IndicatorKind::Output) => l.t("إنجاز", "réalisation").to_string(),
            Some(IndicatorKind::Result) => l.t("نتيجة", "résultat").to_string(),
            Some(IndicatorKind::Unknown(c)) => esc(c),
            None => String::new(),
        };
        let baseline = match (&i.baseline, i.baseline_year) {
            (Some(v), Some(y)) => format!("<span dir=\"ltr\">{} ({y})</span>", esc(v)),
            (Some(v), None) => format!("<span dir=\"ltr\">{}</span>", esc(v)),
            _ => String::new(),
        };
        let _ = write!(
            o,
            "<tr data-test=\"indicator\"><td class=\"num\">{}</td><td>{kind}</td><td>{}{}</td><td>{}</td><td class=\"num\">{baseline}</td>",
            i.project_number,
            esc(l.name(&i.label_ar, &i.label_fr)),
            star(i.illustrative),
            esc(&i.unit),
        );
        for y in &m.years {
            let v = i
                .targets
                .iter()
                .find(|t| t.year == *y)
                .map(|t| t.value.to_string())
                .unwrap_or_default();
            let _ = write!(
                o,
                "<td class=\"num\"><span dir=\"ltr\">{}</span></td>",
                esc(&v)
            );
        }
        let _ = writeln!(o, "<td>{}</td></tr>", esc(&i.source));
    }
    o.push_str("</tbody>\n</table>\n");
}

fn opinions(o: &mut String, doc: &PacDocument, l: Lang) {
    if doc.bodies.is_empty() {
        let _ = writeln!(
            o,
            "<p class=\"empty\">{}</p>",
            l.t(
                "لم تحدث أي هيئة بعد.",
                "Aucune commission ni IEECAG n'est encore constituée."
            )
        );
        return;
    }
    for b in &doc.bodies {
        let _ = writeln!(
            o,
            "<div class=\"body\" data-test=\"body\" data-kind=\"{}\">\n<h3>{}</h3>",
            esc(&b.kind),
            esc(l.name(&b.name_ar, &b.name_fr))
        );
        if b.opinions.is_empty() {
            let _ = writeln!(
                o,
                "<p class=\"empty\">{}</p>\n</div>",
                l.t("لم تبد رأيها بعد.", "Pas encore d'avis.")
            );
            continue;
        }
        let _ = write!(
            o,
            "<table class=\"grid\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            l.t("الموضوع", "Objet"),
            l.t("الرأي", "Avis"),
            l.t("التاريخ", "Date"),
            l.t("النص", "Texte"),
            l.t("جواب المكتب", "Réponse"),
        );
        for op in &b.opinions {
            let subject = match (op.project_number, &op.project_title) {
                (Some(n), Some(t)) => format!("<span dir=\"ltr\">{n}</span> {}", esc(t)),
                (Some(n), None) => format!("<span dir=\"ltr\">{n}</span>"),
                _ => l.t("البرنامج ككل", "Le programme").to_string(),
            };
            let answer = match &op.answer {
                Some(a) => format!(
                    "{}: {}",
                    l.t(
                        if a.outcome == "changed" {
                            "عدل"
                        } else {
                            "أبقي عليه"
                        },
                        if a.outcome == "changed" {
                            "modifié"
                        } else {
                            "maintenu"
                        }
                    ),
                    esc(&a.text)
                ),
                None => String::new(),
            };
            let _ = writeln!(
                o,
                "<tr data-test=\"opinion\"><td>{subject}</td><td>{}{}</td><td class=\"date\">{}</td><td dir=\"auto\">{}</td><td dir=\"auto\">{answer}</td></tr>",
                verdict(l, &op.verdict),
                star(op.illustrative),
                date(&op.date),
                esc(&op.text),
            );
        }
        o.push_str("</tbody>\n</table>\n</div>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_controls() {
        assert_eq!(
            esc("<b a=\"x\">&'\u{7}"),
            "&lt;b a=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn amounts_keep_their_exact_value() {
        let m = Mad::from_centimes(2_087_000_000);
        let s = amount(Some(&m));
        assert!(s.contains("data-amount=\"20870000.00\""), "{s}");
        assert!(s.contains("20\u{a0}870\u{a0}000,00"), "{s}");
    }

    #[test]
    fn dates_read_day_first() {
        assert_eq!(date("2023-02-07"), "<span dir=\"ltr\">07/02/2023</span>");
    }
}
