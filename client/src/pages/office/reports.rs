//! Reports: the programme table with its totals, the needs of each pole and each douar (what
//! women's sessions asked for beside the others), exports (CSV, XLSX) and print.

use tachkhis_shared::api::programme::{NeedsByPlace, PlaceNeeds, ProgrammeTable};
use yew::prelude::*;

use super::programme::{ExportButtons, totals_cells};
use super::{Link, LoadNotice, sector_name, use_get, use_office};
use crate::i18n::Lang;
use crate::net::office::{self as net_office, ApiError};
use crate::route::Route;
use crate::use_model;
use tachkhis_shared::permissions::Action;

fn place_table(
    lang: Lang,
    r: Option<&tachkhis_shared::reference::Reference>,
    place: &PlaceNeeds,
) -> Html {
    let total: i64 = place.needs.iter().map(|n| n.proposals).sum();
    let women: i64 = place.needs.iter().map(|n| n.from_women).sum();
    html! {
        <details class="place" data-test="place" data-id={place.id.clone()}>
            <summary>
                <strong>{ lang.pick(&place.name_ar, &place.name_fr).to_string() }</strong>
                <span class="sub">{ lang.tf("office.reports.place_summary", &[
                    ("needs", &lang.tn("office.reports.needs", place.needs.len() as u64)),
                    ("proposals", &lang.tn("office.reports.proposals", u64::try_from(total).unwrap_or(0))),
                    ("women", &women.to_string()),
                ]) }</span>
            </summary>
            if place.needs.is_empty() {
                <p class="muted">{ lang.t("office.needs.empty") }</p>
            } else {
                <table class="grid compact">
                    <thead><tr>
                        <th>{ lang.t("office.need.title") }</th>
                        <th>{ lang.t("office.col.sector") }</th>
                        <th>{ lang.t("office.reports.from_women") }</th>
                        <th>{ lang.t("office.reports.from_others") }</th>
                        <th>{ lang.t("office.col.proposals") }</th>
                    </tr></thead>
                    <tbody>
                        { for place.needs.iter().map(|n| html! {
                            <tr>
                                <td class="text"><Link to={Route::OfficeNeed { id: n.need_id }}><span dir="auto">{ &n.title }</span></Link></td>
                                <td>{ sector_name(r, lang, n.sector.as_ref()) }</td>
                                <td class="num women">{ n.from_women }</td>
                                <td class="num">{ n.proposals - n.from_women }</td>
                                <td class="num">{ n.proposals }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
        </details>
    }
}

/// The PAC as a printable document (issue 14), in Arabic or French: fetched with the token
/// and opened in a new tab, which prints it (or saves it as PDF) with the browser's own
/// print. Public so that the procedure screen can show the same buttons.
#[component]
pub fn PacDocumentButtons() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    if !office.can(Action::ReadProcedure) {
        return Html::default();
    }
    let button = |doc_lang: &'static str, label: &'static str| {
        let office = office.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            // The tab opens with the click (a tab opened after the fetch is a blocked popup).
            let Some(tab) =
                web_sys::window().and_then(|w| w.open_with_url("about:blank").ok().flatten())
            else {
                office.failed(ApiError::Explained("office.pacdoc.popup_blocked"));
                return;
            };
            let office = office.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let path = format!("/api/pac/document?lang={doc_lang}");
                if let Err(e) = net_office::open_page(&office.token, &path, &tab).await {
                    let _ = tab.close();
                    office.failed(net_office::conflict_says("office.pacdoc.no_document")(e));
                }
            });
        });
        html! {
            <button type="button" class="btn primary" data-test={format!("pac-document-{doc_lang}")} {onclick}>
                { label }
            </button>
        }
    };
    html! {
        <p class="pac-document no-print" data-test="pac-document">
            <span>{ lang.t("office.pacdoc.title") }</span>
            { button("ar", "العربية") }
            { button("fr", "Français") }
            <span class="sub">{ lang.t("office.pacdoc.hint") }</span>
        </p>
    }
}

#[component]
pub fn ReportsPage() -> Html {
    let (model, lang) = use_model();
    let reference = model.reference();
    let r = reference.as_deref();
    let table = use_get::<ProgrammeTable>(Some("/api/reports/programme-table".into()));
    let places = use_get::<NeedsByPlace>(Some("/api/reports/needs-by-place".into()));
    let print = Callback::from(|_: MouseEvent| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    });
    let programme_table = table.data.as_ref().map(|t| {
        let axes = t.axes.iter().map(|a| {
            let rows = t.rows.iter().filter(|row| row.axis_id == a.axis_id).map(|row| {
                html! {
                    <tr data-test="table-row">
                        <td class="text">{ lang.pick(&row.programme_ar, &row.programme_fr).to_string() }</td>
                        <td class="num">{ row.projects }</td>
                        <td class="num">{ super::money(Some(&row.commune_contribution)) }</td>
                        <td class="num">{ super::money(Some(&row.partners_contribution)) }</td>
                    </tr>
                }
            });
            html! {
                <tbody>
                    <tr class="axis-row"><td colspan="4" class="text">{ lang.pick(&a.axis_ar, &a.axis_fr).to_string() }</td></tr>
                    { for rows }
                    <tr class="subtotal-row" data-test="axis-subtotal">
                        <td class="text">{ lang.t("office.reports.subtotal") }</td>
                        { totals_cells(lang, &a.totals) }
                    </tr>
                </tbody>
            }
        });
        html! {
            <table class="grid" data-test="programme-table">
                <thead><tr>
                    <th>{ lang.t("office.nav.programme") }</th>
                    <th>{ lang.t("office.programme.projects") }</th>
                    <th>{ lang.t("office.programme.commune") }</th>
                    <th>{ lang.t("office.programme.partners") }</th>
                </tr></thead>
                { for axes }
                <tfoot><tr class="total-row" data-test="table-total">
                    <td>{ lang.t("office.programme.total") }</td>
                    { totals_cells(lang, &t.total) }
                </tr></tfoot>
            </table>
        }
    });
    let by_place = places.data.as_ref().map(|p| {
        html! {
            <div class="places">
                <section>
                    <h3>{ lang.t("office.col.poles") }</h3>
                    { for p.poles.iter().map(|place| place_table(lang, r, place)) }
                </section>
                <section>
                    <h3>{ lang.t("office.col.douars") }</h3>
                    { for p.douars.iter().map(|place| place_table(lang, r, place)) }
                </section>
            </div>
        }
    });
    html! {
        <section class="office-page reports-page">
            <div class="page-head">
                <h1>{ lang.t("office.nav.reports") }</h1>
                <button type="button" class="btn secondary small no-print" data-test="print" onclick={print}>
                    { lang.t("office.reports.print") }
                </button>
            </div>
            <div class="toolbar no-print">
                <ExportButtons label="office.export.proposals" path="/api/export/proposals" file="proposals" test="proposals" />
                <ExportButtons label="office.export.needs" path="/api/export/needs" file="needs" test="needs" />
                <ExportButtons label="office.export.projects" path="/api/export/projects" file="projects" test="projects" />
                <ExportButtons label="office.indicators.title" path="/api/export/indicators" file="indicators" test="indicators" />
            </div>
            <PacDocumentButtons />
            <p class="gender-link no-print">
                <Link to={Route::OfficeGender} class={classes!("btn", "primary")} test={AttrValue::from("gender-link")}>
                    { lang.t("office.gender.link") }
                </Link>
            </p>
            <h2>{ lang.t("office.export.programme_table") }</h2>
            <div class="toolbar no-print">
                <ExportButtons label="office.export.programme_table" path="/api/reports/programme-table" file="programme-table" test="table" />
            </div>
            <LoadNotice loading={table.loading} error={table.error.clone()} has_data={table.data.is_some()} />
            { for programme_table }
            <h2>{ lang.t("office.reports.by_place") }</h2>
            <p class="sub">{ lang.t("office.reports.by_place_hint") }</p>
            <LoadNotice loading={places.loading} error={places.error.clone()} has_data={places.data.is_some()} />
            { for by_place }
        </section>
    }
}
