//! New session: pole, its douars, group, date, start time, place, facilitators and note-taker
//! on one screen (the start time is now, the date today; only names need typing).
//!
//! [`NewSessionPage`] holds the fields; the chip panels (`place_chips`, `group_chips`) and the
//! creation (`create`) are functions of their own.

use std::rc::Rc;

use tachkhis_shared::GroupKind;
use tachkhis_shared::reference::Reference;
use tachkhis_shared::session::{NewSession, SessionDetails};
use yew::prelude::*;

use crate::i18n::Lang;
use crate::model::{EditError, Model};
use crate::route::{Navigator, Redirect, Route, use_navigator};
use crate::use_model;
use crate::widgets::{
    Chip, DateField, TimeField, TopBar, clock_now, group_label, input_value, today,
};

/// The fields of the form.
#[derive(Clone)]
struct Fields {
    pole: UseStateHandle<Option<String>>,
    douars: UseStateHandle<Vec<String>>,
    group: UseStateHandle<Option<GroupKind>>,
    date: UseStateHandle<String>,
    facilitators: UseStateHandle<String>,
    start_time: UseStateHandle<Option<String>>,
    place: UseStateHandle<String>,
    note_taker: UseStateHandle<String>,
}

impl Fields {
    /// What is still missing before the session can be created (a catalogue key).
    fn missing(&self) -> Option<&'static str> {
        if self.pole.is_none() {
            Some("new.missing.pole")
        } else if self.douars.is_empty() {
            Some("new.missing.douar")
        } else if self.group.is_none() {
            Some("new.missing.group")
        } else if self.date.is_empty() {
            Some("new.missing.date")
        } else {
            None
        }
    }
}

/// A callback that sets a text field from its input.
fn text_input(field: &UseStateHandle<String>) -> Callback<InputEvent> {
    let field = field.clone();
    Callback::from(move |e: InputEvent| field.set(input_value(&e)))
}

#[component]
pub fn NewSessionPage() -> Html {
    let (model, lang) = use_model();
    let navigator = use_navigator();
    let f = Fields {
        pole: use_state(|| None::<String>),
        douars: use_state(Vec::<String>::new),
        group: use_state(|| None::<GroupKind>),
        date: use_state(today),
        facilitators: use_state(String::new),
        start_time: use_state(|| Some(clock_now())),
        place: use_state(String::new),
        note_taker: use_state(String::new),
    };
    let error = use_state(|| None::<&'static str>);
    let busy = use_state(|| false);

    if model.auth().is_none() {
        return html! { <Redirect to={Route::Login} /> };
    }
    let Some(reference) = model.reference() else {
        return html! {
            <>
                <TopBar title={lang.t("new.title")} back={Some(Route::Home)} />
                <main class="page"><p class="notice warn">{ lang.t("new.no_reference") }</p></main>
            </>
        };
    };
    let missing = f.missing();
    let create = create(&model, navigator, &f, &error, &busy);
    let on_date = f.date.setter().to_callback();
    let on_start = f.start_time.setter().to_callback();
    html! {
        <>
            <TopBar title={lang.t("new.title")} back={Some(Route::Home)} />
            <main class="page new-session-page">
                { place_chips(lang, &reference, &model.auth().map(|a| a.poles).unwrap_or_default(), &f.pole, &f.douars) }
                { group_chips(lang, &reference, &f.group) }
                <div class="row-fields">
                    <DateField label={lang.t("new.date")} test="session-date"
                        value={(*f.date).clone()} on_change={on_date} />
                    <TimeField label={lang.t("session.start_time")} test="start-time"
                        value={(*f.start_time).clone()} on_change={on_start} />
                    <label class="field grow">
                        <span>{ lang.t("session.place") }</span>
                        <input type="text" dir="auto" data-test="place" placeholder={lang.t("session.place_hint")}
                            value={(*f.place).clone()} oninput={text_input(&f.place)} />
                    </label>
                </div>
                <div class="row-fields">
                    <label class="field grow">
                        <span>{ lang.t("new.facilitators") }</span>
                        <input type="text" dir="auto" data-test="facilitators" placeholder={lang.t("new.facilitators_hint")}
                            value={(*f.facilitators).clone()} oninput={text_input(&f.facilitators)} />
                    </label>
                    <label class="field">
                        <span>{ lang.t("session.note_taker") }</span>
                        <input type="text" dir="auto" data-test="note-taker" placeholder={lang.t("session.note_taker_hint")}
                            value={(*f.note_taker).clone()} oninput={text_input(&f.note_taker)} />
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

/// The poles as chips, the user's own first (`mine`, given by the administrator), then the
/// chosen pole's douars (a pole with one douar picks it).
pub(crate) fn place_chips(
    lang: Lang,
    reference: &Rc<Reference>,
    mine: &[String],
    pole: &UseStateHandle<Option<String>>,
    douars: &UseStateHandle<Vec<String>>,
) -> Html {
    let is_mine = |p: &&tachkhis_shared::reference::Pole| mine.contains(&p.id);
    let ordered = reference
        .poles
        .iter()
        .filter(is_mine)
        .chain(reference.poles.iter().filter(|p| !is_mine(p)));
    let pole_chips = ordered.map(|p| {
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
    html! {
        <>
            <fieldset class="group">
                <legend>{ lang.t("new.pole") }</legend>
                <div class="chips">{ for pole_chips }</div>
            </fieldset>
            { for douar_chips }
        </>
    }
}

/// The group kinds as chips.
pub(crate) fn group_chips(
    lang: Lang,
    reference: &Reference,
    group: &UseStateHandle<Option<GroupKind>>,
) -> Html {
    let chips = GroupKind::ALL.iter().map(|g| {
        let selected = group.as_ref() == Some(g);
        let onclick = {
            let (group, g) = (group.clone(), g.clone());
            Callback::from(move |()| group.set(Some(g.clone())))
        };
        html! { <Chip label={group_label(Some(reference), lang, g.clone())} {selected} {onclick} test="group-chip" code={g.code().to_string()} /> }
    });
    html! {
        <fieldset class="group">
            <legend>{ lang.t("new.group") }</legend>
            <div class="chips">{ for chips }</div>
        </fieldset>
    }
}

/// Creates the session (its details in a second change, right after the genesis), then opens
/// it; a refusal or a failed write shows in `error`.
fn create(
    model: &Rc<Model>,
    navigator: Option<Navigator>,
    f: &Fields,
    error: &UseStateHandle<Option<&'static str>>,
    busy: &UseStateHandle<bool>,
) -> Callback<MouseEvent> {
    let details = SessionDetails {
        start_time: (*f.start_time).clone(),
        end_time: None,
        place: f.place.trim().to_string(),
        note_taker: f.note_taker.trim().to_string(),
    };
    let (f, error, busy, model) = (f.clone(), error.clone(), busy.clone(), model.clone());
    Callback::from(move |_: MouseEvent| {
        let (Some(pole_id), Some(group_kind)) = ((*f.pole).clone(), (*f.group).clone()) else {
            return;
        };
        if *busy {
            return;
        }
        let init = NewSession {
            pole_id,
            douar_ids: (*f.douars).clone(),
            group_kind,
            date: (*f.date).clone(),
            facilitators: f.facilitators.trim().to_string(),
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
}
