//! The programme: strategic axis > programme > project, with the number of projects and the
//! commune and partner totals at each level; the project import (CSV or XLSX) and exports; the
//! structure's editor (`structure`) and the partner list (`partners`).

mod partners;
mod structure;

pub use partners::partner_name;

use std::collections::BTreeSet;
use std::rc::Rc;

use tachkhis_shared::api::programme::{ImportReport, ProgrammeTree, ProjectSummary, Totals};
use tachkhis_shared::permissions::Action;
use wasm_bindgen::JsValue;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::{ErrorNotice, Link, LoadNotice, money, sector_name, use_get, use_office};
use crate::i18n::Lang;
use crate::net::office::{self, ApiError};
use crate::route::Route;
use crate::use_model;

#[derive(Properties, PartialEq)]
pub struct ExportButtonsProps {
    /// The catalogue key of what is exported.
    pub label: &'static str,
    /// The endpoint, without `?format=`.
    pub path: &'static str,
    /// The file name without its extension.
    pub file: &'static str,
    #[prop_or_default]
    pub test: &'static str,
}

/// "CSV" and "XLSX" buttons that download a server file with the login token.
#[component]
pub fn ExportButtons(props: &ExportButtonsProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let button = |format: &'static str, name: &'static str| {
        let (office, path, file) = (office.clone(), props.path, props.file);
        let onclick = Callback::from(move |_: MouseEvent| {
            let office = office.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let url = format!("{path}?format={format}");
                let name = format!("{file}.{format}");
                match office::download(&office.token, &url, &name).await {
                    Ok(()) => {}
                    Err(e) => office.failed(e),
                }
            });
        });
        html! {
            <button type="button" class="btn secondary small" data-test={format!("export-{}-{format}", props.test)} {onclick}>
                { name }
            </button>
        }
    };
    html! {
        <span class="export">
            <span>{ lang.t(props.label) }</span>{ button("csv", "CSV") }{ button("xlsx", "XLSX") }
        </span>
    }
}

/// Projects, commune and partners totals of one level of the tree.
pub fn totals_cells(lang: Lang, t: &Totals) -> Html {
    html! {
        <>
            <td class="num">
                { t.projects }
                if t.without_commune_amount > 0 {
                    <span class="sub" title={lang.t("office.programme.without_amount")}>
                        { lang.tf("office.programme.without_amount_short", &[("count", &t.without_commune_amount.to_string())]) }
                    </span>
                }
            </td>
            <td class="num">{ money(Some(&t.commune)) }</td>
            <td class="num">{ money(Some(&t.partners)) }</td>
        </>
    }
}

fn years(p: &ProjectSummary) -> String {
    match (p.start_year, p.end_year) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) | (None, Some(a)) => a.to_string(),
        (None, None) => String::new(),
    }
}

#[component]
pub fn ProgrammePage() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let tree = use_get::<ProgrammeTree>(Some("/api/programme".into()));
    html! {
        <section class="office-page programme-page">
            <div class="page-head">
                <h1>{ lang.t("office.nav.programme") }</h1>
                if tree.loading { <span class="spinner" aria-hidden="true"></span> }
                if office.can(Action::EditProgramme) {
                    <Link to={Route::OfficeProject { id: None }} class={classes!("btn", "primary", "small")} test={AttrValue::from("project-new")}>
                        { lang.t("office.project.new") }
                    </Link>
                }
            </div>
            <div class="toolbar">
                <ExportButtons label="office.export.programme_table" path="/api/reports/programme-table" file="programme-table" test="table" />
                <ExportButtons label="office.export.projects" path="/api/export/projects" file="projects" test="projects" />
                <ExportButtons label="office.indicators.title" path="/api/export/indicators" file="indicators" test="indicators" />
            </div>
            <LoadNotice loading={tree.loading} error={tree.error.clone()} has_data={tree.data.is_some()} />
            if let Some(tree) = tree.data.clone() {
                if office.can(Action::EditProgramme) {
                    <structure::StructureEditor tree={tree.clone()} />
                }
                <partners::PartnersPanel />
                <ProgrammeTable {tree} />
            }
            if office.can(Action::ImportProgramme) {
                <ProjectImport />
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ProgrammeTableProps {
    tree: Rc<ProgrammeTree>,
}

/// The tree as a table: a row per axis (folds), per programme and per project, with totals.
#[component]
fn ProgrammeTable(props: &ProgrammeTableProps) -> Html {
    let (model, lang) = use_model();
    let reference = model.reference();
    let r = reference.as_deref();
    let collapsed = use_state(|| Rc::new(BTreeSet::<i64>::new()));
    // Each project's rank (issue 13), for who may read the priorities.
    let office = use_office();
    let priorities = use_get::<tachkhis_shared::api::priorities::Priorities>(
        office
            .can(Action::ReadPriorities)
            .then(|| "/api/priorities".to_string()),
    );
    let ranks: std::collections::HashMap<i64, (u32, bool)> = priorities
        .data
        .as_ref()
        .map(|p| {
            p.ranking
                .iter()
                .map(|r| (r.project_id, (r.rank, r.tied)))
                .collect()
        })
        .unwrap_or_default();
    let t = &props.tree;
    let toggle = |axis: i64| {
        let collapsed = collapsed.clone();
        Callback::from(move |_: MouseEvent| {
            let mut set = (**collapsed).clone();
            if !set.remove(&axis) {
                set.insert(axis);
            }
            collapsed.set(Rc::new(set));
        })
    };
    let project_row = |p: &ProjectSummary| {
        html! {
            <tr key={format!("p{}", p.id)} class={classes!("project-row", p.placeholder.then_some("placeholder"))} data-test="project-row">
                <td class="num">{ p.number }</td>
                <td class="text">
                    <Link to={Route::OfficeProject { id: Some(p.id) }} test={AttrValue::from("project-link")}>
                        <span dir="auto">{ lang.pick(&p.title_ar, &p.title_fr).to_string() }</span>
                    </Link>
                    if let Some((rank, tied)) = ranks.get(&p.id) {
                        { " " }
                        <Link to={Route::OfficePriorities} class={classes!("tag", "rank")} test={AttrValue::from("project-rank")}>
                            { lang.tf("office.priorities.rank_short", &[("rank", &format!("{rank}{}", if *tied { "=" } else { "" }))]) }
                        </Link>
                    }
                </td>
                <td>{ sector_name(r, lang, p.sector.as_ref()) }</td>
                <td class="num">{ years(p) }</td>
                <td class="num">{ p.needs }</td>
                <td></td>
                <td class="num">{ money(p.commune_contribution.as_ref()) }</td>
                <td class="num">{ money(p.partners_contribution.as_ref()) }</td>
            </tr>
        }
    };
    let axes = t.axes.iter().map(|a| {
        let open = !collapsed.contains(&a.id);
        let programmes = a.programmes.iter().map(|p| {
            html! {
                <>
                    <tr class="programme-row" key={format!("g{}", p.id)} data-test="programme-row">
                        <td></td>
                        <td colspan="4" class="text">{ lang.pick(&p.name_ar, &p.name_fr).to_string() }</td>
                        { totals_cells(lang, &p.totals) }
                    </tr>
                    { for p.projects.iter().map(project_row) }
                </>
            }
        });
        html! {
            <tbody key={format!("a{}", a.id)}>
                <tr class="axis-row" data-test="axis-row">
                    <td>
                        <button type="button" class="fold" aria-expanded={open.to_string()} onclick={toggle(a.id)}
                            aria-label={lang.t("office.programme.fold")}>{ if open { "▾" } else { "▸" } }</button>
                    </td>
                    <td colspan="4" class="text">{ lang.pick(&a.name_ar, &a.name_fr).to_string() }</td>
                    { totals_cells(lang, &a.totals) }
                </tr>
                if open { { for programmes } }
            </tbody>
        }
    });
    html! {
        <table class="grid programme" data-test="programme-tree">
            <thead><tr>
                <th>{ lang.t("office.project.number") }</th>
                <th>{ lang.t("office.project.title") }</th>
                <th>{ lang.t("office.col.sector") }</th>
                <th>{ lang.t("office.project.years") }</th>
                <th>{ lang.t("office.nav.needs") }</th>
                <th>{ lang.t("office.programme.projects") }</th>
                <th>{ lang.t("office.programme.commune") }</th>
                <th>{ lang.t("office.programme.partners") }</th>
            </tr></thead>
            { for axes }
            <tfoot><tr class="total-row" data-test="programme-total">
                <td></td><td colspan="4">{ lang.t("office.programme.total") }</td>
                { totals_cells(lang, &t.totals) }
            </tr></tfoot>
        </table>
    }
}

/// The project import: a CSV or XLSX file, checked first ("check" writes nothing), then run;
/// the report or the refused lines.
#[component]
fn ProjectImport() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let file = use_node_ref();
    let import = use_state(|| None::<Result<ImportReport, ApiError>>);
    let importing = use_state(|| false);
    let replace = use_node_ref();
    let run_import = |dry_run: bool| {
        let (office, file, import, importing, replace) = (
            office.clone(),
            file.clone(),
            import.clone(),
            importing.clone(),
            replace.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(picked) = file
                .cast::<HtmlInputElement>()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            else {
                return;
            };
            // "Replace the programme": the file is the whole list (projects left out are
            // removed unless needs link to them; the check says which first).
            let replace = replace
                .cast::<HtmlInputElement>()
                .is_some_and(|i| i.checked());
            let (office, import, importing) = (office.clone(), import.clone(), importing.clone());
            importing.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let path = match (dry_run, replace) {
                    (true, true) => "/api/projects/import?dry_run=true&replace=1",
                    (true, false) => "/api/projects/import?dry_run=true",
                    (false, true) => "/api/projects/import?replace=1",
                    (false, false) => "/api/projects/import",
                };
                let result =
                    office::upload::<ImportReport>(&office.token, path, JsValue::from(picked))
                        .await;
                importing.set(false);
                if result.is_ok() && !dry_run {
                    office.done("office.done.imported");
                }
                import.set(Some(result));
            });
        })
    };
    let import_result = match &*import {
        None => html! {},
        Some(Ok(report)) => import_report(lang, report),
        Some(Err(e)) => html! { <ErrorNotice error={e.clone()} /> },
    };
    html! {
        <section class="import" data-test="import">
            <h2>{ lang.t("office.import.title") }</h2>
            <p class="sub">{ lang.t("office.import.hint") }</p>
            <div class="inline-action">
                <input type="file" ref={file.clone()} data-test="import-file"
                    accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" />
                <button type="button" class="btn secondary small" data-test="import-check"
                    disabled={*importing} onclick={run_import(true)}>{ lang.t("office.import.check") }</button>
                <button type="button" class="btn primary small" data-test="import-run"
                    disabled={*importing} onclick={run_import(false)}>{ lang.t("office.import.run") }</button>
                <label class="import-replace">
                    <input type="checkbox" ref={replace} data-test="import-replace" />
                    { lang.t("office.import.replace") }
                </label>
            </div>
            { import_result }
        </section>
    }
}

/// What an import did, or would do (`dry_run`): projects created and updated, by number.
fn import_report(lang: Lang, report: &ImportReport) -> Html {
    let list = |n: &[i64]| {
        n.iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (key, created, updated) = if report.dry_run {
        (
            "office.import.checked",
            "office.import.will_create",
            "office.import.will_update",
        )
    } else {
        (
            "office.import.done",
            "office.import.created",
            "office.import.updated",
        )
    };
    html! {
        <div class="notice info" data-test="import-report" data-dry-run={report.dry_run.to_string()}>
            <p>{ lang.tf(key, &[
                ("created", &lang.tn(created, report.created.len() as u64)),
                ("updated", &lang.tn(updated, report.updated.len() as u64)),
            ]) }</p>
            if !report.created.is_empty() { <p class="sub">{ lang.tf("office.import.created_list", &[("numbers", &list(&report.created))]) }</p> }
            if !report.updated.is_empty() { <p class="sub">{ lang.tf("office.import.updated_list", &[("numbers", &list(&report.updated))]) }</p> }
            if !report.made_real.is_empty() { <p class="sub" data-test="import-made-real">{ lang.tf("office.import.made_real_list", &[("numbers", &list(&report.made_real))]) }</p> }
            if !report.removed.is_empty() { <p class="sub" data-test="import-removed">{ lang.tf(if report.dry_run { "office.import.will_remove_list" } else { "office.import.removed_list" }, &[("numbers", &list(&report.removed))]) }</p> }
            if !report.kept.is_empty() {
                <p class="sub" data-test="import-kept">{ lang.tf("office.import.kept_list", &[("numbers", &report.kept.iter().map(|k| k.number.to_string()).collect::<Vec<_>>().join(", "))]) }</p>
            }
            if !report.partners_added.is_empty() { <p class="sub">{ lang.tf("office.import.partners_added", &[("names", &report.partners_added.join("، "))]) }</p> }
        </div>
    }
}
