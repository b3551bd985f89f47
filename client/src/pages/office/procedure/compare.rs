//! Two versions compared (or a version against the live programme): per project added,
//! removed, and each changed field (amounts, rank, years); the totals of both.

use tachkhis_shared::api::procedure::{Comparison, SnapshotTotals, Version};
use tachkhis_shared::money::Mad;
use yew::prelude::*;

use super::super::{LoadNotice, money, select_value, use_get};
use super::version_label;
use crate::use_model;

#[derive(Properties, PartialEq)]
pub struct CompareProps {
    pub versions: Vec<Version>,
}

/// The value of a field as shown: amounts the French way, the rest as they are.
fn shown(field: &str, v: &Option<String>) -> Html {
    match v {
        None => html! { <span class="muted">{ "—" }</span> },
        Some(s) if matches!(field, "commune" | "partners" | "total") => {
            money(s.parse::<Mad>().ok().as_ref())
        }
        Some(s) => html! { <span dir="auto">{ s }</span> },
    }
}

#[component]
pub fn ComparePart(props: &CompareProps) -> Html {
    let (_, lang) = use_model();
    // The newest frozen version, against the live programme.
    let from = use_state(|| props.versions.iter().find(|v| v.frozen).map(|v| v.number));
    // "" = the live programme.
    let to = use_state(String::new);
    let path = from.map(|f| {
        if to.is_empty() {
            format!("/api/versions/{f}/compare")
        } else {
            format!("/api/versions/{f}/compare?with={}", *to)
        }
    });
    let fetched = use_get::<Comparison>(path);
    let on_from = {
        let from = from.clone();
        Callback::from(move |e: Event| from.set(select_value(&e).parse().ok()))
    };
    let on_to = {
        let to = to.clone();
        Callback::from(move |e: Event| to.set(select_value(&e)))
    };
    let options = |selected: Option<i64>| {
        props
            .versions
            .iter()
            .map(|v| {
                html! {
                    <option value={v.number.to_string()} selected={selected == Some(v.number)}>
                        { version_label(lang, v) }
                    </option>
                }
            })
            .collect::<Html>()
    };
    let totals = |label: String, t: &SnapshotTotals| {
        html! {
            <tr>
                <th scope="row">{ label }</th>
                <td class="num">{ t.projects }</td>
                <td>{ money(Some(&t.commune)) }</td>
                <td>{ money(Some(&t.partners)) }</td>
                <td>{ money(Some(&t.total)) }</td>
            </tr>
        }
    };
    let body = fetched.data.as_ref().map(|c| {
        let added = c.added.iter().map(|p| html! {
            <li data-test="cmp-added"><span class="num" dir="ltr">{ p.number }</span>{ " · " }<span dir="auto">{ &p.title_ar }</span>{ " · " }{ money(p.total.as_ref()) }</li>
        });
        let removed = c.removed.iter().map(|p| html! {
            <li data-test="cmp-removed"><span class="num" dir="ltr">{ p.number }</span>{ " · " }<span dir="auto">{ &p.title_ar }</span>{ " · " }{ money(p.total.as_ref()) }</li>
        });
        let changed = c.changed.iter().flat_map(|p| {
            p.changes.iter().map(move |f| html! {
                <tr data-test="cmp-changed" data-number={p.number.to_string()} data-field={f.field.clone()}>
                    <td class="num" dir="ltr">{ p.number }</td>
                    <td dir="auto">{ &p.title_ar }</td>
                    <td>{ lang.t(&format!("office.proc.field.{}", f.field)) }</td>
                    <td>{ shown(&f.field, &f.from) }</td>
                    <td>{ shown(&f.field, &f.to) }</td>
                </tr>
            })
        });
        html! {
            <div class="proc-compare-result" data-test="cmp-result">
                <table class="grid compact">
                    <thead><tr>
                        <th></th><th>{ lang.t("office.proc.projects") }</th>
                        <th>{ lang.t("office.proc.field.commune") }</th>
                        <th>{ lang.t("office.proc.field.partners") }</th>
                        <th>{ lang.t("office.proc.field.total") }</th>
                    </tr></thead>
                    <tbody>
                        { totals(lang.tf("office.proc.version_n", &[("n", &c.from.to_string())]), &c.totals_from) }
                        { totals(match c.to {
                            Some(n) => lang.tf("office.proc.version_n", &[("n", &n.to_string())]),
                            None => lang.t("office.proc.cmp.live").to_string(),
                        }, &c.totals_to) }
                    </tbody>
                </table>
                <h3>{ lang.t("office.proc.cmp.added") }{ format!(" ({})", c.added.len()) }</h3>
                <ul>{ for added }</ul>
                <h3>{ lang.t("office.proc.cmp.removed") }{ format!(" ({})", c.removed.len()) }</h3>
                <ul>{ for removed }</ul>
                <h3>{ lang.t("office.proc.cmp.changed") }{ format!(" ({})", c.changed.len()) }</h3>
                if !c.changed.is_empty() {
                    <table class="grid compact">
                        <thead><tr>
                            <th>{ "#" }</th><th>{ lang.t("office.proc.project") }</th>
                            <th>{ lang.t("office.proc.cmp.field") }</th>
                            <th>{ lang.t("office.proc.cmp.before") }</th>
                            <th>{ lang.t("office.proc.cmp.after") }</th>
                        </tr></thead>
                        <tbody>{ for changed }</tbody>
                    </table>
                }
            </div>
        }
    });
    html! {
        <section class="proc-compare" data-test="proc-compare" aria-labelledby="proc-compare-title">
            <h2 id="proc-compare-title">{ lang.t("office.proc.compare") }</h2>
            <div class="row-fields no-print">
                <label class="field">
                    <span>{ lang.t("office.proc.cmp.from") }</span>
                    <select data-test="cmp-from" onchange={on_from}>{ options(*from) }</select>
                </label>
                <label class="field">
                    <span>{ lang.t("office.proc.cmp.to") }</span>
                    <select data-test="cmp-to" onchange={on_to}>
                        <option value="" selected={to.is_empty()}>{ lang.t("office.proc.cmp.live") }</option>
                        { options(to.parse().ok()) }
                    </select>
                </label>
            </div>
            <LoadNotice loading={fetched.loading} error={fetched.error.clone()} has_data={fetched.data.is_some()} />
            { for body }
        </section>
    }
}
