//! The territory (admin and office): poles with their douars, in order; add, rename, move,
//! reorder, merge and retire; aliases; the other named places; the territory file (template,
//! export, import checked first). Writes go through `Office::act`, after which the shell
//! refetches the territory.

use std::rc::Rc;

use tachkhis_shared::api::territory::{
    DouarInput, DouarPatch, MergeDouar, Order, PlaceInput, PoleInput, PolePatch, Territory,
    TerritoryImportError, TerritoryImportErrorBody, TerritoryImportReport,
};
use tachkhis_shared::api::{ErrorBody, ErrorCode};
use tachkhis_shared::codes::PlaceKind;
use tachkhis_shared::reference::{Douar, Place, Pole};
use wasm_bindgen::JsValue;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::{ErrorNotice, LoadNotice, Office, use_get, use_office};
use crate::i18n::Lang;
use crate::net::api::{self, Body};
use crate::net::json;
use crate::net::office::{self, ApiError};
use crate::use_model;

const PATH: &str = "/api/territory";

fn value(r: &NodeRef) -> String {
    r.cast::<HtmlInputElement>()
        .map(|i| i.value().trim().to_string())
        .unwrap_or_default()
}

fn checked(r: &NodeRef) -> bool {
    r.cast::<HtmlInputElement>().is_some_and(|i| i.checked())
}

fn selected(r: &NodeRef) -> String {
    r.cast::<HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}

fn list(text: &str) -> Vec<String> {
    text.split(['|', ';', '،'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Sends `body` with `method` to `path` as an office action (the shell refetches after it).
fn act<B: serde::Serialize + 'static>(
    office: &Office,
    method: &'static str,
    path: String,
    body: B,
) {
    let token = office.token.clone();
    office.act(
        "office.territory.saved",
        async move {
            office::send::<B, serde::de::IgnoredAny>(method, &token, &path, Some(&body))
                .await
                .map(drop)
        },
        |_| {},
    );
}

#[component]
pub fn TerritoryPage() -> Html {
    let (_, lang) = use_model();
    let t = use_get::<Territory>(Some(PATH.into()));
    let editing = use_state(|| None::<String>);
    html! {
        <section class="office-page territory-page" data-test="territory">
            <div class="page-head">
                <h1>{ lang.t("office.nav.territory") }</h1>
                if t.loading { <span class="spinner" aria-hidden="true"></span> }
            </div>
            <div class="toolbar">
                <FileButtons label="office.territory.template" path="/api/territory/template" file="territory-template" />
                <FileButtons label="office.territory.export" path="/api/territory/export" file="territory" />
            </div>
            <LoadNotice loading={t.loading} error={t.error.clone()} has_data={t.data.is_some()} />
            if let Some(t) = t.data.clone() {
                <Poles t={t.clone()} editing={editing.clone()} />
                <Places {t} />
            }
            <TerritoryImport />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct FileButtonsProps {
    label: &'static str,
    path: &'static str,
    file: &'static str,
}

/// XLSX (both tables) and the two CSV files.
#[component]
fn FileButtons(props: &FileButtonsProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let button = |query: &'static str,
                  ext: &'static str,
                  suffix: &'static str,
                  name: &'static str| {
        let (office, path, file) = (office.clone(), props.path, props.file);
        let onclick = Callback::from(move |_: MouseEvent| {
            let office = office.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let url = format!("{path}?{query}");
                if let Err(e) =
                    office::download(&office.token, &url, &format!("{file}{suffix}.{ext}")).await
                {
                    office.failed(e);
                }
            });
        });
        html! { <button type="button" class="btn secondary small" data-test={format!("{}-{ext}{suffix}", props.file)} {onclick}>{ name }</button> }
    };
    html! {
        <span class="export">
            <span>{ lang.t(props.label) }</span>
            { button("format=xlsx", "xlsx", "", "XLSX") }
            { button("format=csv&part=douars", "csv", "-douars", lang.t("office.territory.csv_douars")) }
            { button("format=csv&part=places", "csv", "-places", lang.t("office.territory.csv_places")) }
        </span>
    }
}

#[derive(Properties, PartialEq)]
struct PolesProps {
    t: Rc<Territory>,
    editing: UseStateHandle<Option<String>>,
}

fn pole_label(p: &Pole) -> String {
    format!("{} — {}", p.number, p.name_ar)
}

/// Every pole with its douars; the forms to add a pole and a douar.
#[component]
fn Poles(props: &PolesProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let t = &props.t;
    let (ar, fr) = (use_node_ref(), use_node_ref());
    let add_pole = {
        let (office, ar, fr) = (office.clone(), ar.clone(), fr.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = PoleInput {
                number: None,
                name_ar: value(&ar),
                name_fr: value(&fr),
            };
            act(&office, "POST", format!("{PATH}/poles"), input);
        })
    };
    let pole_ids: Vec<String> = t.poles.iter().map(|p| p.id.clone()).collect();
    let poles = t.poles.iter().enumerate().map(|(i, p)| {
        let douars: Vec<&Douar> = t.douars.iter().filter(|d| d.pole_id == p.id).collect();
        let mv = |delta: isize| {
            let (office, ids) = (office.clone(), pole_ids.clone());
            let j = i as isize + delta;
            Callback::from(move |_: MouseEvent| {
                if j < 0 || j as usize >= ids.len() {
                    return;
                }
                let mut ids = ids.clone();
                ids.swap(i, j as usize);
                act(&office, "POST", format!("{PATH}/poles/order"), Order { ids });
            })
        };
        let retire = {
            let (office, id, r) = (office.clone(), p.id.clone(), !p.retired);
            Callback::from(move |_: MouseEvent| {
                act(&office, "PATCH", format!("{PATH}/poles/{id}"), PolePatch { retired: Some(r), ..PolePatch::default() })
            })
        };
        let edit_key = format!("pole:{}", p.id);
        let editing_pole = props.editing.as_deref() == Some(edit_key.as_str());
        let start = {
            let (editing, key) = (props.editing.clone(), edit_key.clone());
            Callback::from(move |_: MouseEvent| editing.set(Some(key.clone())))
        };
        html! {
            <section class={classes!("pole", p.retired.then_some("retired"))} key={p.id.clone()} data-test="pole" data-id={p.id.clone()}>
                <div class="pole-head">
                    if editing_pole {
                        <PoleForm pole={p.clone()} editing={props.editing.clone()} />
                    } else {
                        <h2>{ pole_label(p) }<span class="sub" dir="auto">{ format!(" {}", p.name_fr) }</span></h2>
                        if p.retired { <span class="tag quiet">{ lang.t("office.territory.retired") }</span> }
                        <span class="row-actions">
                            <button type="button" class="btn secondary small" aria-label={lang.t("office.territory.up")} disabled={i == 0} onclick={mv(-1)}>{ "↑" }</button>
                            <button type="button" class="btn secondary small" aria-label={lang.t("office.territory.down")} disabled={i + 1 == t.poles.len()} onclick={mv(1)}>{ "↓" }</button>
                            <button type="button" class="btn secondary small" data-test="pole-edit" onclick={start}>{ lang.t("office.territory.edit") }</button>
                            <button type="button" class="btn secondary small" data-test="pole-retire" onclick={retire}>
                                { lang.t(if p.retired { "office.territory.restore" } else { "office.territory.retire" }) }
                            </button>
                        </span>
                    }
                </div>
                <DouarTable t={t.clone()} pole={p.id.clone()} douars={douars.iter().map(|d| (*d).clone()).collect::<Vec<_>>()} editing={props.editing.clone()} />
                if !p.retired { <AddDouar pole={p.id.clone()} /> }
            </section>
        }
    });
    html! {
        <>
            { for poles }
            <form class="inline-action add-pole" onsubmit={add_pole} data-test="add-pole">
                <strong>{ lang.t("office.territory.add_pole") }</strong>
                <input ref={ar} required=true dir="rtl" placeholder={lang.t("office.territory.name_ar")} aria-label={lang.t("office.territory.name_ar")} data-test="pole-name-ar" />
                <input ref={fr} dir="ltr" placeholder={lang.t("office.territory.name_fr")} aria-label={lang.t("office.territory.name_fr")} />
                <button class="btn primary small">{ lang.t("office.territory.add") }</button>
            </form>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct PoleFormProps {
    pole: Pole,
    editing: UseStateHandle<Option<String>>,
}

#[component]
fn PoleForm(props: &PoleFormProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let (num, ar, fr) = (use_node_ref(), use_node_ref(), use_node_ref());
    let p = &props.pole;
    let onsubmit = {
        let (office, id, editing) = (office.clone(), p.id.clone(), props.editing.clone());
        let (num, ar, fr) = (num.clone(), ar.clone(), fr.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let patch = PolePatch {
                number: value(&num).parse().ok(),
                name_ar: Some(value(&ar)),
                name_fr: Some(value(&fr)),
                retired: None,
            };
            act(&office, "PATCH", format!("{PATH}/poles/{id}"), patch);
            editing.set(None);
        })
    };
    let cancel = {
        let editing = props.editing.clone();
        Callback::from(move |_: MouseEvent| editing.set(None))
    };
    html! {
        <form class="inline-action" {onsubmit} data-test="pole-form">
            <input ref={num} type="number" min="1" class="narrow" value={p.number.to_string()} aria-label={lang.t("office.territory.number")} />
            <input ref={ar} required=true dir="rtl" value={p.name_ar.clone()} aria-label={lang.t("office.territory.name_ar")} />
            <input ref={fr} dir="ltr" value={p.name_fr.clone()} aria-label={lang.t("office.territory.name_fr")} />
            <button class="btn primary small">{ lang.t("office.territory.save") }</button>
            <button type="button" class="btn secondary small" onclick={cancel}>{ lang.t("office.territory.cancel") }</button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct DouarTableProps {
    t: Rc<Territory>,
    pole: String,
    douars: Vec<Douar>,
    editing: UseStateHandle<Option<String>>,
}

/// A pole's douars: merged ones shown with their target, retired ones marked.
#[component]
fn DouarTable(props: &DouarTableProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let t = &props.t;
    let order: Vec<String> = props.douars.iter().map(|d| d.id.clone()).collect();
    let rows = props.douars.iter().enumerate().map(|(i, d)| {
        if props.editing.as_deref() == Some(d.id.as_str()) {
            return html! { <tr key={d.id.clone()}><td colspan="6"><DouarForm t={t.clone()} douar={d.clone()} editing={props.editing.clone()} /></td></tr> };
        }
        let status = match &d.merged_into {
            Some(into) => {
                let name = t.douars.iter().find(|x| &x.id == into).map_or(into.as_str(), |x| x.name_ar.as_str());
                lang.tf("office.territory.merged_into", &[("name", name)])
            }
            None if d.retired => lang.t("office.territory.retired").to_string(),
            None if d.centre => lang.t("office.territory.centre").to_string(),
            None => String::new(),
        };
        let mv = |delta: isize| {
            let (office, ids, pole) = (office.clone(), order.clone(), props.pole.clone());
            let j = i as isize + delta;
            Callback::from(move |_: MouseEvent| {
                if j < 0 || j as usize >= ids.len() {
                    return;
                }
                let mut ids = ids.clone();
                ids.swap(i, j as usize);
                act(&office, "POST", format!("{PATH}/poles/{pole}/order"), Order { ids });
            })
        };
        let edit = {
            let (editing, id) = (props.editing.clone(), d.id.clone());
            Callback::from(move |_: MouseEvent| editing.set(Some(id.clone())))
        };
        let retire = {
            let (office, id, r) = (office.clone(), d.id.clone(), !d.retired);
            Callback::from(move |_: MouseEvent| {
                act(&office, "PATCH", format!("{PATH}/douars/{id}"), DouarPatch { retired: Some(r), ..DouarPatch::default() })
            })
        };
        let merged = d.merged_into.is_some();
        html! {
            <tr key={d.id.clone()} class={classes!((merged || d.retired).then_some("former"))} data-test="douar-row" data-id={d.id.clone()}>
                <td dir="rtl">{ &d.name_ar }</td>
                <td dir="ltr">{ &d.name_fr }</td>
                <td class="aliases" dir="auto">{ d.aliases.join(" | ") }</td>
                <td class="num">{ d.population.map(|p| p.to_string()).unwrap_or_default() }</td>
                <td>{ status }</td>
                <td><div class="row-actions">
                    if !merged {
                        <button type="button" class="btn secondary small" aria-label={lang.t("office.territory.up")} disabled={i == 0} onclick={mv(-1)}>{ "↑" }</button>
                        <button type="button" class="btn secondary small" aria-label={lang.t("office.territory.down")} disabled={i + 1 == order.len()} onclick={mv(1)}>{ "↓" }</button>
                        <button type="button" class="btn secondary small" data-test="douar-edit" onclick={edit}>{ lang.t("office.territory.edit") }</button>
                        <button type="button" class="btn secondary small" data-test="douar-retire" onclick={retire}>
                            { lang.t(if d.retired { "office.territory.restore" } else { "office.territory.retire" }) }
                        </button>
                    }
                </div></td>
            </tr>
        }
    });
    if props.douars.is_empty() {
        return html! { <p class="sub">{ lang.t("office.territory.no_douar") }</p> };
    }
    html! {
        <table class="grid territory" data-test="douars">
            <thead><tr>
                <th>{ lang.t("office.territory.name_ar") }</th>
                <th>{ lang.t("office.territory.name_fr") }</th>
                <th>{ lang.t("office.territory.aliases") }</th>
                <th>{ lang.t("office.territory.population") }</th>
                <th></th>
                <th></th>
            </tr></thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}

#[derive(Properties, PartialEq)]
struct DouarFormProps {
    t: Rc<Territory>,
    douar: Douar,
    editing: UseStateHandle<Option<String>>,
}

/// A douar's names, aliases, pole, centre and population; and its merge into another.
#[component]
fn DouarForm(props: &DouarFormProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let d = &props.douar;
    let refs: [NodeRef; 7] = Default::default();
    let [ar, fr, aliases, pole, centre, population, into] = refs.clone();
    let onsubmit = {
        let (office, id, editing) = (office.clone(), d.id.clone(), props.editing.clone());
        let [ar, fr, aliases, pole, centre, population, _] = refs.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let patch = DouarPatch {
                pole_id: Some(selected(&pole)),
                name_ar: Some(value(&ar)),
                name_fr: Some(value(&fr)),
                aliases: Some(list(&value(&aliases))),
                centre: Some(checked(&centre)),
                population: Some(
                    tachkhis_shared::text::ascii_digits(&value(&population))
                        .parse()
                        .ok(),
                ),
                retired: None,
            };
            act(&office, "PATCH", format!("{PATH}/douars/{id}"), patch);
            editing.set(None);
        })
    };
    let merge = {
        let (office, id, editing, into) = (
            office.clone(),
            d.id.clone(),
            props.editing.clone(),
            into.clone(),
        );
        let confirm = lang.t("office.territory.merge_confirm");
        Callback::from(move |_: MouseEvent| {
            let target = selected(&into);
            if target.is_empty() {
                return;
            }
            let ok = web_sys::window()
                .and_then(|w| w.confirm_with_message(confirm).ok())
                .unwrap_or(false);
            if ok {
                act(
                    &office,
                    "POST",
                    format!("{PATH}/douars/{id}/merge"),
                    MergeDouar { into: target },
                );
                editing.set(None);
            }
        })
    };
    let cancel = {
        let editing = props.editing.clone();
        Callback::from(move |_: MouseEvent| editing.set(None))
    };
    let poles = props.t.poles.iter().filter(|p| !p.retired || p.id == d.pole_id).map(|p| {
        html! { <option value={p.id.clone()} selected={p.id == d.pole_id}>{ pole_label(p) }</option> }
    });
    let targets = props.t.douars.iter().filter(|x| x.id != d.id && x.merged_into.is_none() && !x.retired).map(|x| {
        html! { <option value={x.id.clone()}>{ format!("{} ({})", x.name_ar, x.name_fr) }</option> }
    });
    html! {
        <form class="douar-form" {onsubmit} data-test="douar-form">
            <label>{ lang.t("office.territory.name_ar") }<input ref={ar} required=true dir="rtl" value={d.name_ar.clone()} data-test="douar-name-ar" /></label>
            <label>{ lang.t("office.territory.name_fr") }<input ref={fr} dir="ltr" value={d.name_fr.clone()} /></label>
            <label>{ lang.t("office.territory.aliases") }<input ref={aliases} dir="auto" value={d.aliases.join(" | ")} placeholder={lang.t("office.territory.aliases_hint")} data-test="douar-aliases" /></label>
            <label>{ lang.t("office.territory.pole") }<select ref={pole} data-test="douar-pole">{ for poles }</select></label>
            <label>{ lang.t("office.territory.population") }<input ref={population} inputmode="numeric" class="narrow" value={d.population.map(|p| p.to_string()).unwrap_or_default()} /></label>
            <label class="check"><input ref={centre} type="checkbox" checked={d.centre} />{ lang.t("office.territory.centre") }</label>
            <div class="inline-action">
                <button class="btn primary small" data-test="douar-save">{ lang.t("office.territory.save") }</button>
                <button type="button" class="btn secondary small" onclick={cancel}>{ lang.t("office.territory.cancel") }</button>
            </div>
            <div class="inline-action merge">
                <label>{ lang.t("office.territory.merge_into") }
                    <select ref={into} data-test="merge-target"><option value="" selected=true>{ "—" }</option>{ for targets }</select>
                </label>
                <button type="button" class="btn danger small" data-test="douar-merge" onclick={merge}>{ lang.t("office.territory.merge") }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct AddDouarProps {
    pole: String,
}

#[component]
fn AddDouar(props: &AddDouarProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let (ar, fr, aliases) = (use_node_ref(), use_node_ref(), use_node_ref());
    let onsubmit = {
        let (office, pole) = (office.clone(), props.pole.clone());
        let (ar, fr, aliases) = (ar.clone(), fr.clone(), aliases.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = DouarInput {
                pole_id: pole.clone(),
                name_ar: value(&ar),
                name_fr: value(&fr),
                aliases: list(&value(&aliases)),
                ..DouarInput::default()
            };
            act(&office, "POST", format!("{PATH}/douars"), input);
            for r in [&ar, &fr, &aliases] {
                if let Some(i) = r.cast::<HtmlInputElement>() {
                    i.set_value("");
                }
            }
        })
    };
    html! {
        <form class="inline-action add-douar" {onsubmit} data-test="add-douar">
            <input ref={ar} required=true dir="rtl" placeholder={lang.t("office.territory.new_douar")} aria-label={lang.t("office.territory.name_ar")} data-test="new-douar-ar" />
            <input ref={fr} dir="ltr" placeholder={lang.t("office.territory.name_fr")} aria-label={lang.t("office.territory.name_fr")} data-test="new-douar-fr" />
            <input ref={aliases} dir="auto" placeholder={lang.t("office.territory.aliases_hint")} aria-label={lang.t("office.territory.aliases")} />
            <button class="btn secondary small" data-test="new-douar-add">{ lang.t("office.territory.add") }</button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct PlacesProps {
    t: Rc<Territory>,
}

fn kind_name(lang: Lang, k: &PlaceKind) -> String {
    let l = k.labels();
    lang.pick(&l.ar, &l.fr).to_string()
}

/// The other named places, and the form to add one.
#[component]
fn Places(props: &PlacesProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let t = &props.t;
    let (kind, ar, fr, douars) = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );
    let onsubmit = {
        let office = office.clone();
        let (kind, ar, fr, douars) = (kind.clone(), ar.clone(), fr.clone(), douars.clone());
        let t = t.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            // Douars typed by name (or alias), as in the file.
            let ids = list(&value(&douars))
                .iter()
                .filter_map(|n| {
                    let key = tachkhis_shared::text::normalize(n);
                    t.douars.iter().find(|d| {
                        d.merged_into.is_none()
                            && [&d.name_ar, &d.name_fr]
                                .into_iter()
                                .chain(&d.aliases)
                                .any(|x| tachkhis_shared::text::normalize(x) == key)
                    })
                })
                .map(|d| d.id.clone())
                .collect();
            let input = PlaceInput {
                kind: PlaceKind::parse(&selected(&kind)),
                name_ar: value(&ar),
                name_fr: value(&fr),
                aliases: Vec::new(),
                douar_ids: ids,
                retired: false,
            };
            act(&office, "POST", format!("{PATH}/places"), input);
        })
    };
    let name_of = |id: &String| {
        t.douars
            .iter()
            .find(|d| &d.id == id)
            .map_or(id.clone(), |d| d.name_ar.clone())
    };
    let rows = t.places.iter().map(|p: &Place| {
        let toggle = {
            let (office, p) = (office.clone(), p.clone());
            Callback::from(move |_: MouseEvent| {
                let input = PlaceInput {
                    kind: p.kind.clone(),
                    name_ar: p.name_ar.clone(),
                    name_fr: p.name_fr.clone(),
                    aliases: p.aliases.clone(),
                    douar_ids: p.douar_ids.clone(),
                    retired: !p.retired,
                };
                act(&office, "PUT", format!("{PATH}/places/{}", p.id), input);
            })
        };
        let delete = {
            let (office, id) = (office.clone(), p.id);
            Callback::from(move |_: MouseEvent| {
                let token = office.token.clone();
                office.act(
                    "office.territory.saved",
                    async move { office::call_no_body("DELETE", &token, &format!("{PATH}/places/{id}")).await },
                    |_| {},
                );
            })
        };
        html! {
            <tr key={p.id} class={classes!(p.retired.then_some("former"))} data-test="place-row">
                <td>{ kind_name(lang, &p.kind) }</td>
                <td dir="rtl">{ &p.name_ar }</td>
                <td dir="ltr">{ &p.name_fr }</td>
                <td>{ p.douar_ids.iter().map(name_of).collect::<Vec<_>>().join("، ") }</td>
                <td><div class="row-actions">
                    <button type="button" class="btn secondary small" onclick={toggle}>
                        { lang.t(if p.retired { "office.territory.restore" } else { "office.territory.retire" }) }
                    </button>
                    <button type="button" class="btn secondary small" onclick={delete}>{ lang.t("office.territory.delete") }</button>
                </div></td>
            </tr>
        }
    });
    // `selected` written out: yew inserts options last first, and a select without one shows
    // the first inserted.
    let kinds = PlaceKind::ALL.iter().enumerate().map(|(i, k)| {
        html! { <option value={k.code().to_string()} selected={i == 0}>{ kind_name(lang, k) }</option> }
    });
    html! {
        <section class="places" data-test="places">
            <h2>{ lang.t("office.territory.places") }</h2>
            if !t.places.is_empty() {
                <table class="grid territory"><tbody>{ for rows }</tbody></table>
            }
            <form class="inline-action" {onsubmit} data-test="add-place">
                <select ref={kind} aria-label={lang.t("office.territory.kind")} data-test="place-kind">{ for kinds }</select>
                <input ref={ar} required=true dir="rtl" placeholder={lang.t("office.territory.name_ar")} aria-label={lang.t("office.territory.name_ar")} />
                <input ref={fr} dir="ltr" placeholder={lang.t("office.territory.name_fr")} aria-label={lang.t("office.territory.name_fr")} />
                <input ref={douars} dir="auto" placeholder={lang.t("office.territory.douars_hint")} aria-label={lang.t("office.territory.douars")} />
                <button class="btn secondary small">{ lang.t("office.territory.add") }</button>
            </form>
        </section>
    }
}

/// What the import answered: its report, the refused lines (each with its sheet), or another
/// error.
enum Answer {
    Report(TerritoryImportReport),
    Lines(Vec<TerritoryImportError>),
    Failed(ApiError),
}

/// Sends the file; a refusal keeps each line's sheet (the office's upload would drop it).
async fn upload(token: &str, path: &str, file: JsValue) -> Answer {
    let Ok(response) = api::fetch("POST", path, Some(token), Body::Js(file)).await else {
        return Answer::Failed(ApiError::Offline);
    };
    let status = response.status();
    let text = api::read_text(&response).await.unwrap_or_default();
    match status {
        200..=299 => {
            json::from_str(&text).map_or(Answer::Failed(ApiError::Unreadable), Answer::Report)
        }
        401 => Answer::Failed(ApiError::Unauthorized),
        403 => Answer::Failed(ApiError::Forbidden),
        _ => match json::from_str::<TerritoryImportErrorBody>(&text) {
            Ok(body) => Answer::Lines(body.errors),
            Err(_) => Answer::Failed(ApiError::Refused {
                status,
                code: json::from_str::<ErrorBody>(&text)
                    .map(|b| b.error)
                    .unwrap_or(ErrorCode::Unknown(String::new())),
            }),
        },
    }
}

/// The territory file: checked first (what would change), then imported.
#[component]
fn TerritoryImport() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let file = use_node_ref();
    let result = use_state(|| None::<Answer>);
    let busy = use_state(|| false);
    let run = |dry_run: bool| {
        let (office, file, result, busy) =
            (office.clone(), file.clone(), result.clone(), busy.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(picked) = file
                .cast::<HtmlInputElement>()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            else {
                return;
            };
            let (office, result, busy) = (office.clone(), result.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let path = if dry_run {
                    "/api/territory/import?dry_run=1"
                } else {
                    "/api/territory/import"
                };
                let r = upload(&office.token, path, JsValue::from(picked)).await;
                busy.set(false);
                if matches!(r, Answer::Report(_)) && !dry_run {
                    office.done("office.territory.imported");
                }
                result.set(Some(r));
            });
        })
    };
    let shown = match &*result {
        None => html! {},
        Some(Answer::Failed(e)) => html! { <ErrorNotice error={e.clone()} /> },
        Some(Answer::Lines(lines)) => html! {
            <div class="notice warn" role="alert" data-test="office-error">
                <p>{ lang.t("office.error.bad_import") }</p>
                <ul class="import-errors" data-test="import-errors">
                    { for lines.iter().map(|e| html! {
                        <li>
                            <strong>{ lang.t(match e.sheet.as_str() {
                                "douars" => "office.territory.sheet_douars",
                                "places" => "office.territory.sheet_places",
                                _ => "office.territory.sheet_file",
                            }) }{ " " }{ lang.tf("office.import.line", &[("line", &e.line.to_string())]) }</strong>
                            { " " }<span dir="auto">{ &e.reason }</span>
                        </li>
                    }) }
                </ul>
            </div>
        },
        Some(Answer::Report(r)) => {
            let key = if r.dry_run {
                "office.territory.would_change"
            } else {
                "office.territory.changed"
            };
            let counts = [
                ("poles", r.poles_created.len() + r.poles_updated.len()),
                ("douars", r.douars_created.len() + r.douars_updated.len()),
                ("places", r.places_created.len() + r.places_updated.len()),
                ("unchanged", r.unchanged as usize),
            ];
            let counts: Vec<(&str, String)> =
                counts.iter().map(|(k, n)| (*k, n.to_string())).collect();
            let args: Vec<(&str, &str)> = counts.iter().map(|(k, v)| (*k, v.as_str())).collect();
            html! {
                <div class="notice info" data-test="territory-import-report" data-dry-run={r.dry_run.to_string()}>
                    <p>{ lang.tf(key, &args) }</p>
                    <ul class="changes">{ for r.changes.iter().map(|c| html! { <li dir="auto">{ c }</li> }) }</ul>
                    if !r.ignored_columns.is_empty() {
                        <p class="sub">{ lang.tf("office.territory.ignored", &[("columns", &r.ignored_columns.join("، "))]) }</p>
                    }
                </div>
            }
        }
    };
    html! {
        <section class="import" data-test="territory-import">
            <h2>{ lang.t("office.territory.import") }</h2>
            <p class="sub">{ lang.t("office.territory.import_hint") }</p>
            <div class="inline-action">
                <input type="file" ref={file.clone()} data-test="territory-file"
                    accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" />
                <button type="button" class="btn secondary small" data-test="territory-check" disabled={*busy} onclick={run(true)}>{ lang.t("office.import.check") }</button>
                <button type="button" class="btn primary small" data-test="territory-run" disabled={*busy} onclick={run(false)}>{ lang.t("office.import.run") }</button>
            </div>
            { shown }
        </section>
    }
}
