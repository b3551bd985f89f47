//! New session: pole, its douars, group, date, start time, place, facilitators and note-taker
//! on one screen (the start time is now, the date today; only names need typing).

use tachkhis_shared::GroupKind;
use tachkhis_shared::session::{NewSession, SessionDetails};
use yew::prelude::*;

use crate::model::EditError;
use crate::route::{Redirect, Route, use_navigator};
use crate::use_model;
use crate::widgets::{
    Chip, DateField, TimeField, TopBar, clock_now, group_label, input_value, today,
};

#[component]
pub fn NewSessionPage() -> Html {
    let (model, lang) = use_model();
    let navigator = use_navigator();
    let pole = use_state(|| None::<String>);
    let douars = use_state(Vec::<String>::new);
    let group = use_state(|| None::<GroupKind>);
    let date = use_state(today);
    let facilitators = use_state(String::new);
    let start_time = use_state(|| Some(clock_now()));
    let place = use_state(String::new);
    let note_taker = use_state(String::new);
    let error = use_state(|| None::<&'static str>);
    let busy = use_state(|| false);

    if model.auth().is_none() {
        return html! { <Redirect to={Route::Login} /> };
    }
    let reference = model.reference();
    let Some(reference) = reference else {
        return html! {
            <>
                <TopBar title={lang.t("new.title")} back={Some(Route::Home)} />
                <main class="page"><p class="notice warn">{ lang.t("new.no_reference") }</p></main>
            </>
        };
    };

    let pole_chips = reference.poles.iter().map(|p| {
        let selected = pole.as_deref() == Some(p.id.as_str());
        let onclick = {
            let (pole, douars, id) = (pole.clone(), douars.clone(), p.id.clone());
            let only: Vec<String> = reference.douars_of(&p.id).map(|d| d.id.clone()).collect();
            Callback::from(move |()| {
                pole.set(Some(id.clone()));
                // A pole with a single douar: that douar.
                douars.set(if only.len() == 1 { only.clone() } else { Vec::new() });
            })
        };
        let sub = (!p.name_fr.trim().is_empty() && p.name_fr != p.name_ar).then(|| AttrValue::from(p.name_fr.clone()));
        html! { <Chip label={p.name_ar.clone()} {sub} {selected} {onclick} test="pole-chip" code={p.id.clone()} /> }
    });

    let douar_chips = pole.as_deref().map(|pole_id| {
        let chips = reference.douars_of(pole_id).map(|d| {
            let selected = douars.contains(&d.id);
            let onclick = {
                let (douars, id) = (douars.clone(), d.id.clone());
                Callback::from(move |()| {
                    let mut next = (*douars).clone();
                    if let Some(i) = next.iter().position(|x| *x == id) {
                        next.remove(i);
                    } else {
                        next.push(id.clone());
                    }
                    douars.set(next);
                })
            };
            let sub = (!d.name_fr.trim().is_empty() && d.name_fr != d.name_ar).then(|| AttrValue::from(d.name_fr.clone()));
            html! { <Chip label={d.name_ar.clone()} {sub} {selected} {onclick} test="douar-chip" code={d.id.clone()} /> }
        });
        html! {
            <fieldset class="group">
                <legend>{ lang.t("new.douars") }<span class="hint">{ lang.t("new.douars_hint") }</span></legend>
                <div class="chips">{ for chips }</div>
            </fieldset>
        }
    });

    let group_chips = GroupKind::ALL.iter().map(|g| {
        let selected = *group == Some(g.clone());
        let onclick = {
            let (group, g) = (group.clone(), g.clone());
            Callback::from(move |()| group.set(Some(g.clone())))
        };
        html! { <Chip label={group_label(Some(&reference), lang, g.clone())} {selected} {onclick} test="group-chip" code={g.code()} /> }
    });

    let missing: Option<&'static str> = if pole.is_none() {
        Some("new.missing.pole")
    } else if douars.is_empty() {
        Some("new.missing.douar")
    } else if group.is_none() {
        Some("new.missing.group")
    } else if date.is_empty() {
        Some("new.missing.date")
    } else {
        None
    };

    let create = {
        let (pole, douars, group, date, facilitators) = (
            pole.clone(),
            douars.clone(),
            group.clone(),
            date.clone(),
            facilitators.clone(),
        );
        let details = SessionDetails {
            start_time: (*start_time).clone(),
            end_time: None,
            place: place.trim().to_string(),
            note_taker: note_taker.trim().to_string(),
        };
        let (error, busy, model, navigator) = (
            error.clone(),
            busy.clone(),
            model.clone(),
            navigator.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (Some(pole_id), Some(group_kind)) = ((*pole).clone(), (*group).clone()) else {
                return;
            };
            if *busy {
                return;
            }
            let init = NewSession {
                pole_id,
                douar_ids: (*douars).clone(),
                group_kind,
                date: (*date).clone(),
                facilitators: facilitators.trim().to_string(),
            };
            busy.set(true);
            let (model, error, busy, navigator) = (
                model.clone(),
                error.clone(),
                busy.clone(),
                navigator.clone(),
            );
            let details = details.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let mut outcome = model.create_session(&init).await;
                if let Ok(id) = outcome
                    && details != SessionDetails::default()
                {
                    // The details go in a second change, right after the genesis.
                    outcome = model
                        .edit(id, move |doc, ctx| doc.update_meta(&init, &details, ctx))
                        .await
                        .map(|()| id);
                }
                busy.set(false);
                match outcome {
                    Ok(id) => {
                        if let Some(n) = navigator {
                            n.replace(&Route::Session { id: id.to_string() });
                        }
                    }
                    Err(EditError::Invalid(_)) => error.set(Some("new.error.invalid")),
                    Err(_) => error.set(Some("save.failed")),
                }
            });
        })
    };
    let on_date = {
        let date = date.clone();
        Callback::from(move |iso: String| date.set(iso))
    };
    let on_facilitators = {
        let facilitators = facilitators.clone();
        Callback::from(move |e: InputEvent| facilitators.set(input_value(&e)))
    };
    let on_place = {
        let place = place.clone();
        Callback::from(move |e: InputEvent| place.set(input_value(&e)))
    };
    let on_note_taker = {
        let note_taker = note_taker.clone();
        Callback::from(move |e: InputEvent| note_taker.set(input_value(&e)))
    };
    let on_start = {
        let start_time = start_time.clone();
        Callback::from(move |t: Option<String>| start_time.set(t))
    };

    html! {
        <>
            <TopBar title={lang.t("new.title")} back={Some(Route::Home)} />
            <main class="page new-session-page">
                <fieldset class="group">
                    <legend>{ lang.t("new.pole") }</legend>
                    <div class="chips">{ for pole_chips }</div>
                </fieldset>
                { for douar_chips }
                <fieldset class="group">
                    <legend>{ lang.t("new.group") }</legend>
                    <div class="chips">{ for group_chips }</div>
                </fieldset>
                <div class="row-fields">
                    <DateField label={lang.t("new.date")} test="session-date"
                        value={(*date).clone()} on_change={on_date} />
                    <TimeField label={lang.t("session.start_time")} test="start-time"
                        value={(*start_time).clone()} on_change={on_start} />
                    <label class="field grow">
                        <span>{ lang.t("session.place") }</span>
                        <input type="text" dir="auto" data-test="place" placeholder={lang.t("session.place_hint")}
                            value={(*place).clone()} oninput={on_place} />
                    </label>
                </div>
                <div class="row-fields">
                    <label class="field grow">
                        <span>{ lang.t("new.facilitators") }</span>
                        <input type="text" dir="auto" data-test="facilitators" placeholder={lang.t("new.facilitators_hint")}
                            value={(*facilitators).clone()} oninput={on_facilitators} />
                    </label>
                    <label class="field">
                        <span>{ lang.t("session.note_taker") }</span>
                        <input type="text" dir="auto" data-test="note-taker" placeholder={lang.t("session.note_taker_hint")}
                            value={(*note_taker).clone()} oninput={on_note_taker} />
                    </label>
                </div>
                if let Some(key) = *error {
                    <p class="notice warn" role="alert">{ lang.t(key) }</p>
                }
                <div class="actions">
                    if let Some(key) = missing {
                        <p class="hint" data-test="new-missing">{ lang.t(key) }</p>
                    }
                    <button type="button" class="btn primary big" data-test="create-session"
                        disabled={missing.is_some() || *busy} onclick={create}>
                        { lang.t("new.create") }
                    </button>
                </div>
            </main>
        </>
    }
}
