//! The gender report (`/office/reports/gender`), the equality body's (IEECAG) main input: what
//! women's groups asked for beside men's and the other groups per sector, pole and douar,
//! participation per pole, and the projects answering needs raised mostly by women. One page
//! for the screen and for print (the print CSS drops the bars and buttons); the charts are SVG
//! drawn here, no chart library.

use tachkhis_shared::api::gender::{ByGroup, GenderReport, GenderRow, Participation};
use tachkhis_shared::{GroupKind, reference::Reference};
use yew::prelude::*;

use super::{Link, LoadNotice, group_name, sector_name, use_get, use_office};
use crate::i18n::Lang;
use crate::net::office;
use crate::route::Route;
use crate::use_model;

const WOMEN_FILL: &str = "#7a2a64";
const MEN_FILL: &str = "#2a5d7a";

/// Horizontal bars, women and men side by side for each label, drawn right to left in Arabic
/// (labels on the right, bars growing to the left) and left to right in French.
fn bar_chart(lang: Lang, title: &str, rows: &[(String, i64, i64)], test: &'static str) -> Html {
    const WIDTH: i64 = 640;
    const LABEL: i64 = 190;
    const BAR: i64 = 11;
    const ROW: i64 = 2 * BAR + 10;
    const TOP: i64 = 28;
    let rtl = lang == Lang::Ar;
    let max = rows.iter().map(|r| r.1.max(r.2)).max().unwrap_or(0).max(1);
    // Room for the figure after the longest bar.
    let span = WIDTH - LABEL - 12 - 40;
    let height = TOP + ROW * rows.len() as i64 + 6;
    let bar = |y: i64, value: i64, fill: &'static str| {
        let len = value * span / max;
        let (x, text_x, anchor) = if rtl {
            let x0 = WIDTH - LABEL - 12;
            (x0 - len, x0 - len - 4, "end")
        } else {
            let x0 = LABEL + 12;
            (x0, x0 + len + 4, "start")
        };
        html! {
            <>
                <rect x={x.to_string()} y={y.to_string()} width={len.to_string()} height={BAR.to_string()} fill={fill} />
                <text x={text_x.to_string()} y={(y + BAR - 1).to_string()} text-anchor={anchor} font-size="11"
                    fill={if value == 0 { "#999" } else { "#333" }}>{ value }</text>
            </>
        }
    };
    let (label_x, label_anchor) = if rtl {
        (WIDTH - 4, "end")
    } else {
        (LABEL, "end")
    };
    let legend = |i: i64, label: &str, fill: &'static str| {
        let x = if rtl {
            WIDTH - 4 - i * 120 - 12
        } else {
            4 + i * 120
        };
        let (tx, anchor) = if rtl {
            (x - 6, "end")
        } else {
            (x + 18, "start")
        };
        html! {
            <>
                <rect x={x.to_string()} y="6" width="12" height="12" fill={fill} />
                <text x={tx.to_string()} y="16" text-anchor={anchor} font-size="12" fill="#333">{ label.to_string() }</text>
            </>
        }
    };
    html! {
        <figure class="gender-chart" data-test={test}>
            <figcaption>{ title.to_string() }</figcaption>
            <svg viewBox={format!("0 0 {WIDTH} {height}")} width="100%" role="img" aria-label={title.to_string()}
                direction="ltr" font-family="sans-serif">
                { legend(0, lang.t("attendance.women"), WOMEN_FILL) }
                { legend(1, lang.t("attendance.men"), MEN_FILL) }
                { for rows.iter().enumerate().map(|(i, (label, women, men))| {
                    let y = TOP + i as i64 * ROW;
                    html! {
                        <g data-test="chart-row">
                            <text x={label_x.to_string()} y={(y + BAR + 4).to_string()} text-anchor={label_anchor} font-size="12" fill="#111">{ label.clone() }</text>
                            { bar(y, *women, WOMEN_FILL) }
                            { bar(y + BAR + 2, *men, MEN_FILL) }
                        </g>
                    }
                }) }
            </svg>
        </figure>
    }
}

/// The columns shown for a set of rows: the known group kinds, and "other" only when a newer
/// app's group kind is in them.
fn columns(with_other: bool) -> Vec<Option<GroupKind>> {
    ByGroup::COLUMNS
        .iter()
        .filter(|c| c.is_some() || with_other)
        .cloned()
        .collect()
}

fn count(b: &ByGroup, c: &Option<GroupKind>) -> i64 {
    match c {
        Some(g) => b.to_array()[ByGroup::index(g)],
        None => b.other,
    }
}

fn group_header(r: Option<&Reference>, lang: Lang, c: &Option<GroupKind>) -> String {
    match c {
        Some(g) => group_name(r, lang, g),
        None => lang.t("office.gender.other").to_string(),
    }
}

fn place_name(lang: Lang, row: &GenderRow) -> String {
    lang.pick(&row.name_ar, &row.name_fr).to_string()
}

/// One table of rows (sectors, poles or douars) with the commune's total: proposals and needs
/// by group kind, and the needs raised mostly by women there.
fn rows_table(
    lang: Lang,
    r: Option<&Reference>,
    head: &str,
    rows: &[GenderRow],
    total: &GenderRow,
    test: &'static str,
) -> Html {
    let cols = columns(total.proposals.other > 0 || total.needs.other > 0);
    let line = |row: &GenderRow, is_total: bool| {
        let women_needs = row.women_needs.iter().map(|n| {
            html! {
                <li>
                    <Link to={Route::OfficeNeed { id: n.need_id }}><span dir="auto">{ &n.title }</span></Link>
                    <span class="sub">{ format!(" {}", lang.tf("office.gender.share", &[
                        ("women", &n.from_women.to_string()), ("total", &n.proposals.to_string())])) }</span>
                </li>
            }
        });
        html! {
            <tr class={classes!(is_total.then_some("total-row"))} data-test="gender-row" data-key={row.key.clone()}>
                <td class="text">
                    { place_name(lang, row) }
                    if row.unknown {
                        <span class="tag quiet" title={lang.t("office.gender.unknown")}>{ "?" }</span>
                    }
                </td>
                { for cols.iter().map(|c| html! {
                    <td class={classes!("num", (c == &Some(GroupKind::Women)).then_some("women"))}>{ count(&row.proposals, c) }</td>
                }) }
                <td class="num strong">{ row.proposals.total() }</td>
                <td class="num women">{ row.needs.women }</td>
                <td class="num">{ row.needs.men }</td>
                <td class="num strong">{ row.needs_total }</td>
                <td class="text women-needs">
                    if !is_total {
                        <ul>{ for women_needs }</ul>
                    } else {
                        { row.women_needs.len() }
                    }
                </td>
            </tr>
        }
    };
    html! {
        <div class="table-scroll">
        <table class="grid compact gender-table" data-test={test}>
            <thead>
                <tr>
                    <th rowspan="2">{ head.to_string() }</th>
                    <th colspan={(cols.len() + 1).to_string()}>{ lang.t("office.gender.proposals") }</th>
                    <th colspan="3">{ lang.t("office.gender.needs") }</th>
                    <th rowspan="2">{ lang.t("office.gender.women_needs") }</th>
                </tr>
                <tr>
                    { for cols.iter().map(|c| html! { <th>{ group_header(r, lang, c) }</th> }) }
                    <th>{ lang.t("office.gender.total") }</th>
                    <th>{ group_header(r, lang, &Some(GroupKind::Women)) }</th>
                    <th>{ group_header(r, lang, &Some(GroupKind::Men)) }</th>
                    <th>{ lang.t("office.gender.total") }</th>
                </tr>
            </thead>
            <tbody>{ for rows.iter().map(|row| line(row, false)) }</tbody>
            <tfoot>{ line(total, true) }</tfoot>
        </table>
        </div>
    }
}

fn participation_table(lang: Lang, r: Option<&Reference>, report: &GenderReport) -> Html {
    let cols = columns(report.participation_total.sessions.other > 0);
    let line = |p: &Participation, is_total: bool| {
        html! {
            <tr class={classes!(is_total.then_some("total-row"))} data-test="participation-row" data-key={p.pole_id.clone()}>
                <td class="text">{ lang.pick(&p.name_ar, &p.name_fr).to_string() }</td>
                <td class="num women">{ p.women }</td>
                <td class="num">{ p.men }</td>
                <td class="num strong">{ p.women + p.men }</td>
                <td class="num">{ p.youth_women }</td>
                <td class="num">{ p.youth_men }</td>
                <td class="num">{ p.disabled_women }</td>
                <td class="num">{ p.disabled_men }</td>
                { for cols.iter().map(|c| html! { <td class="num">{ count(&p.sessions, c) }</td> }) }
                <td class="num strong">{ p.sessions.total() }</td>
            </tr>
        }
    };
    html! {
        <div class="table-scroll">
        <table class="grid compact gender-table" data-test="participation">
            <thead>
                <tr>
                    <th rowspan="2">{ lang.t("office.col.poles") }</th>
                    <th colspan="7">{ lang.t("office.gender.present") }</th>
                    <th colspan={(cols.len() + 1).to_string()}>{ lang.t("office.gender.sessions") }</th>
                </tr>
                <tr>
                    <th>{ lang.t("attendance.women") }</th>
                    <th>{ lang.t("attendance.men") }</th>
                    <th>{ lang.t("office.gender.total") }</th>
                    <th>{ lang.t("office.gender.youth_women") }</th>
                    <th>{ lang.t("office.gender.youth_men") }</th>
                    <th>{ lang.t("office.gender.disabled_women") }</th>
                    <th>{ lang.t("office.gender.disabled_men") }</th>
                    { for cols.iter().map(|c| html! { <th>{ group_header(r, lang, c) }</th> }) }
                    <th>{ lang.t("office.gender.total") }</th>
                </tr>
            </thead>
            <tbody>{ for report.participation.iter().map(|p| line(p, false)) }</tbody>
            <tfoot>{ line(&report.participation_total, true) }</tfoot>
        </table>
        </div>
    }
}

fn women_needs_table(lang: Lang, r: Option<&Reference>, report: &GenderReport) -> Html {
    if report.total.women_needs.is_empty() {
        return html! { <p class="muted" data-test="women-needs-empty">{ lang.t("office.gender.none") }</p> };
    }
    html! {
        <table class="grid compact" data-test="women-needs">
            <thead><tr>
                <th>{ lang.t("office.need.title") }</th>
                <th>{ lang.t("office.col.sector") }</th>
                <th>{ group_header(r, lang, &Some(GroupKind::Women)) }</th>
                <th>{ group_header(r, lang, &Some(GroupKind::Men)) }</th>
                <th>{ lang.t("office.gender.total") }</th>
                <th></th>
            </tr></thead>
            <tbody>
                { for report.total.women_needs.iter().map(|n| html! {
                    <tr data-test="women-need">
                        <td class="text"><Link to={Route::OfficeNeed { id: n.need_id }}><span dir="auto">{ &n.title }</span></Link></td>
                        <td>{ sector_name(r, lang, n.sector.as_ref()) }</td>
                        <td class="num women">{ n.from_women }</td>
                        <td class="num">{ n.from_men }</td>
                        <td class="num">{ n.proposals }</td>
                        <td>
                            if n.from_women == n.proposals {
                                <span class="tag">{ lang.t("office.gender.only_women") }</span>
                            }
                        </td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

fn projects_table(lang: Lang, report: &GenderReport) -> Html {
    if report.projects.is_empty() {
        return html! { <p class="muted" data-test="gender-projects-empty">{ lang.t("office.gender.none") }</p> };
    }
    html! {
        <table class="grid compact" data-test="gender-projects">
            <thead><tr>
                <th>{ lang.t("office.gender.rank") }</th>
                <th>{ lang.t("office.gender.number") }</th>
                <th>{ lang.t("office.gender.project") }</th>
                <th>{ lang.t("office.gender.needs") }</th>
                <th>{ lang.t("office.gender.from_women") }</th>
                <th>{ lang.t("office.gender.women_sessions") }</th>
            </tr></thead>
            <tbody>
                { for report.projects.iter().map(|p| html! {
                    <tr data-test="gender-project" data-number={p.number.to_string()}>
                        <td class="num" data-test="gender-project-rank">{ match p.rank {
                            Some(r) if p.tied => lang.tf("office.gender.rank_tied", &[("rank", &r.to_string())]),
                            Some(r) => r.to_string(),
                            None => "—".to_string(),
                        } }</td>
                        <td class="num">{ p.number }</td>
                        <td class="text"><Link to={Route::OfficeProject { id: Some(p.project_id) }}>
                            <span dir="auto">{ lang.pick(&p.title_ar, &p.title_fr).to_string() }</span>
                        </Link></td>
                        <td class="num">{ p.needs }</td>
                        <td class="num women">{ format!("{} ({}%)", lang.tf("office.gender.share", &[
                            ("women", &p.from_women.to_string()), ("total", &p.proposals.to_string())]),
                            p.from_women * 100 / p.proposals.max(1)) }</td>
                        <td class="num">{ lang.tf("office.gender.share", &[
                            ("women", &p.women_sessions.to_string()), ("total", &p.sessions.to_string())]) }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

#[component]
pub fn GenderPage() -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let reference = model.reference();
    let r = reference.as_deref();
    let report = use_get::<GenderReport>(Some("/api/reports/gender".into()));
    let print = Callback::from(|_: MouseEvent| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    });
    let xlsx = {
        let office = office.clone();
        Callback::from(move |_: MouseEvent| {
            let office = office.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = office::download(
                    &office.token,
                    "/api/reports/gender?format=xlsx",
                    "gender-report.xlsx",
                )
                .await
                {
                    office.failed(e);
                }
            });
        })
    };
    let body = report.data.as_ref().map(|g| {
        let sectors: Vec<(String, i64, i64)> = g
            .by_sector
            .iter()
            .filter(|s| s.proposals.total() > 0)
            .map(|s| (place_name(lang, s), s.proposals.women, s.proposals.men))
            .collect();
        let poles: Vec<(String, i64, i64)> = g
            .by_pole
            .iter()
            .map(|p| (place_name(lang, p), p.proposals.women, p.proposals.men))
            .collect();
        let attendance: Vec<(String, i64, i64)> = g
            .participation
            .iter()
            .map(|p| (lang.pick(&p.name_ar, &p.name_fr).to_string(), p.women, p.men))
            .collect();
        html! {
            <>
                <section class="gender-part">
                    <h2>{ lang.t("office.gender.asked") }</h2>
                    <p class="sub">{ lang.t("office.gender.asked_hint") }</p>
                    <h3>{ lang.t("office.gender.by_sector") }</h3>
                    { bar_chart(lang, lang.t("office.gender.chart_sector"), &sectors, "chart-sector") }
                    { rows_table(lang, r, lang.t("office.col.sector"), &g.by_sector, &g.total, "gender-sectors") }
                    <h3>{ lang.t("office.gender.by_pole") }</h3>
                    { bar_chart(lang, lang.t("office.gender.chart_pole"), &poles, "chart-pole") }
                    { rows_table(lang, r, lang.t("office.col.poles"), &g.by_pole, &g.total, "gender-poles") }
                    <h3>{ lang.t("office.gender.by_douar") }</h3>
                    { rows_table(lang, r, lang.t("office.col.douars"), &g.by_douar, &g.total, "gender-douars") }
                    <h3>{ lang.t("office.gender.women_needs_all") }</h3>
                    <p class="sub">{ lang.t("office.gender.women_needs_hint") }</p>
                    { women_needs_table(lang, r, g) }
                </section>
                <section class="gender-part">
                    <h2>{ lang.t("office.gender.participation") }</h2>
                    <p class="sub">{ lang.t("office.gender.participation_hint") }</p>
                    { bar_chart(lang, lang.t("office.gender.chart_attendance"), &attendance, "chart-attendance") }
                    { participation_table(lang, r, g) }
                </section>
                <section class="gender-part">
                    <h2>{ lang.t("office.gender.projects") }</h2>
                    <p class="sub">{ lang.t("office.gender.projects_hint") }</p>
                    { projects_table(lang, g) }
                </section>
            </>
        }
    });
    html! {
        <section class="office-page reports-page gender-page" data-test="gender-page">
            <div class="page-head">
                <h1>{ lang.t("office.gender.title") }</h1>
                <span class="no-print page-actions">
                    <Link to={Route::OfficeReports} class={classes!("btn", "secondary", "small")}>{ lang.t("office.gender.back") }</Link>
                    <button type="button" class="btn secondary small" data-test="gender-xlsx" onclick={xlsx}>{ "XLSX" }</button>
                    <button type="button" class="btn secondary small" data-test="print" onclick={print}>
                        { lang.t("office.reports.print") }
                    </button>
                </span>
            </div>
            <p class="sub">{ lang.t("office.gender.intro") }</p>
            <LoadNotice loading={report.loading} error={report.error.clone()} has_data={report.data.is_some()} />
            { for body }
        </section>
    }
}
