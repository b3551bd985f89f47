//! Form fields: input helpers, chips, and the date and time fields.

use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::use_model;

use super::*;

pub fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

pub fn textarea_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<HtmlTextAreaElement>().value()
}
#[derive(Properties, PartialEq)]
pub struct ChipProps {
    pub label: AttrValue,
    pub selected: bool,
    pub onclick: Callback<()>,
    /// The `data-test` attribute.
    pub test: AttrValue,
    /// The code the chip stands for (`data-code`).
    #[prop_or_default]
    pub code: AttrValue,
    #[prop_or_default]
    pub icon: Option<Html>,
    /// A second, smaller line (the Latin transliteration of an Arabic place name).
    #[prop_or_default]
    pub sub: Option<AttrValue>,
}

/// A large toggle button, one of a set.
#[component]
pub fn Chip(props: &ChipProps) -> Html {
    let onclick = props.onclick.reform(|_: MouseEvent| ());
    html! {
        <button type="button"
            class={classes!("chip", props.selected.then_some("selected"))}
            aria-pressed={if props.selected { "true" } else { "false" }}
            data-test={props.test.clone()} data-code={props.code.clone()}
            {onclick}>
            if let Some(icon) = props.icon.clone() { <span class="chip-icon" aria-hidden="true">{icon}</span> }
            if let Some(sub) = props.sub.clone() {
                <span class="chip-names"><span lang="ar" dir="rtl">{ props.label.clone() }</span><span class="chip-sub" lang="fr" dir="ltr">{ sub }</span></span>
            } else {
                <span>{ props.label.clone() }</span>
            }
        </button>
    }
}

#[derive(Properties, PartialEq)]
pub struct DateFieldProps {
    pub label: AttrValue,
    /// The `data-test` of the input; the "today" button is `{test}-today`.
    pub test: AttrValue,
    /// `YYYY-MM-DD`.
    pub value: String,
    /// Called with the new date (`YYYY-MM-DD`) once the field is left or "today" pressed.
    pub on_change: Callback<String>,
}

/// A date shown and typed day first (14/07/2022), with Western digits, as the commune's
/// documents write it, whatever the tablet's settings (`<input type="date">` follows those).
#[component]
pub fn DateField(props: &DateFieldProps) -> Html {
    let (_, lang) = use_model();
    let draft = use_state(|| None::<String>);
    let invalid = use_state(|| false);
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| draft.set(Some(input_value(&e))))
    };
    let commit = {
        let (draft, invalid, on_change, value) = (
            draft.clone(),
            invalid.clone(),
            props.on_change.clone(),
            props.value.clone(),
        );
        Callback::from(move |_: Event| {
            let Some(text) = (*draft).clone() else { return };
            match parse_date_input(&text) {
                Some(iso) => {
                    invalid.set(false);
                    draft.set(None);
                    if iso != value {
                        on_change.emit(iso);
                    }
                }
                None => invalid.set(true),
            }
        })
    };
    let today_click = {
        let (draft, invalid, on_change) = (draft.clone(), invalid.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            draft.set(None);
            invalid.set(false);
            on_change.emit(today());
        })
    };
    let shown = (*draft).clone().unwrap_or_else(|| show_date(&props.value));
    html! {
        <div class="field time-field date-field">
            <label>
                <span>{ props.label.clone() }</span>
                <input type="text" inputmode="numeric" dir="ltr" autocomplete="off" maxlength="10"
                    class={classes!((*invalid).then_some("invalid"))}
                    placeholder="--/--/----" data-test={props.test.clone()} value={shown}
                    aria-invalid={if *invalid { "true" } else { "false" }}
                    {oninput} onchange={commit} />
            </label>
            <button type="button" class="btn secondary now" data-test={format!("{}-today", props.test)} onclick={today_click}>
                { lang.t("session.today") }
            </button>
            if *invalid {
                <p class="field-error" role="alert">{ lang.t("session.date_invalid") }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct TimeFieldProps {
    pub label: AttrValue,
    /// The `data-test` of the input; the "now" button is `{test}-now`.
    pub test: AttrValue,
    /// `HH:MM`, or none.
    pub value: Option<String>,
    /// Called with the new time once the field is left (or "now" pressed); never per keystroke.
    pub on_change: Callback<Option<String>>,
}

/// A time of day typed on the number pad ("930", "9h30", "09:30"), shown as `HH:MM` (24 h,
/// Western digits whatever the tablet's language), with a big "now" button. (Not
/// `<input type="time">`: its look and its digits follow the tablet's settings, not the app's.)
#[component]
pub fn TimeField(props: &TimeFieldProps) -> Html {
    let (_, lang) = use_model();
    // What is being typed; `None` shows the value.
    let draft = use_state(|| None::<String>);
    let invalid = use_state(|| false);
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| draft.set(Some(input_value(&e))))
    };
    let commit = {
        let (draft, invalid, on_change, value) = (
            draft.clone(),
            invalid.clone(),
            props.on_change.clone(),
            props.value.clone(),
        );
        Callback::from(move |_: Event| {
            let Some(text) = (*draft).clone() else { return };
            if text.trim().is_empty() {
                invalid.set(false);
                draft.set(None);
                if value.is_some() {
                    on_change.emit(None);
                }
                return;
            }
            match parse_time_input(&text) {
                Some(t) => {
                    invalid.set(false);
                    draft.set(None);
                    if value.as_deref() != Some(t.as_str()) {
                        on_change.emit(Some(t));
                    }
                }
                None => invalid.set(true),
            }
        })
    };
    let now = {
        let (draft, invalid, on_change) = (draft.clone(), invalid.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            draft.set(None);
            invalid.set(false);
            on_change.emit(Some(clock_now()));
        })
    };
    let shown = (*draft)
        .clone()
        .unwrap_or_else(|| props.value.clone().unwrap_or_default());
    html! {
        <div class="field time-field">
            <label>
                <span>{ props.label.clone() }</span>
                <input type="text" inputmode="numeric" dir="ltr" autocomplete="off" maxlength="5"
                    class={classes!((*invalid).then_some("invalid"))}
                    placeholder="--:--" data-test={props.test.clone()} value={shown}
                    aria-invalid={if *invalid { "true" } else { "false" }}
                    {oninput} onchange={commit} />
            </label>
            <button type="button" class="btn secondary now" data-test={format!("{}-now", props.test)} onclick={now}>
                { lang.t("session.now") }
            </button>
            if *invalid {
                <p class="field-error" role="alert">{ lang.t("session.time_invalid") }</p>
            }
        </div>
    }
}
