//! Form fields: input helpers, chips, and the date and time fields.

use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::i18n::Lang;
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

/// A text field standing for a parsed value (a date, a time): what is typed stays on screen as
/// typed, invalid or not, until it reads; the parsed value goes up when the field is left and
/// only if it differs from the value held; an invalid text is marked and explained.
struct ParsedField {
    /// The text in the input: what is being typed, else the value shown.
    shown: String,
    invalid: bool,
    oninput: Callback<InputEvent>,
    onchange: Callback<Event>,
    /// Clears the typed text and any error (before a button sets the value).
    reset: Callback<()>,
}

#[hook]
fn use_parsed_field<T: Clone + PartialEq + 'static>(
    value: &T,
    show: fn(&T) -> String,
    parse: fn(&str) -> Option<T>,
    on_change: &Callback<T>,
) -> ParsedField {
    // What is being typed; `None` shows the value.
    let draft = use_state(|| None::<String>);
    let invalid = use_state(|| false);
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| draft.set(Some(input_value(&e))))
    };
    let onchange = {
        let (draft, invalid, on_change, value) = (
            draft.clone(),
            invalid.clone(),
            on_change.clone(),
            value.clone(),
        );
        Callback::from(move |_: Event| {
            let Some(text) = (*draft).clone() else { return };
            match parse(&text) {
                Some(parsed) => {
                    invalid.set(false);
                    draft.set(None);
                    if parsed != value {
                        on_change.emit(parsed);
                    }
                }
                None => invalid.set(true),
            }
        })
    };
    let reset = {
        let (draft, invalid) = (draft.clone(), invalid.clone());
        Callback::from(move |()| {
            draft.set(None);
            invalid.set(false);
        })
    };
    ParsedField {
        shown: (*draft).clone().unwrap_or_else(|| show(value)),
        invalid: *invalid,
        oninput,
        onchange,
        reset,
    }
}

/// How a parsed field looks: its classes, length, placeholder, its button and error texts.
struct FieldLook {
    class: &'static str,
    maxlength: &'static str,
    placeholder: &'static str,
    /// Appended to the input's `data-test` for the button's.
    button_test: &'static str,
    button_key: &'static str,
    error_key: &'static str,
}

fn parsed_field_html(
    lang: Lang,
    field: ParsedField,
    look: &FieldLook,
    label: &AttrValue,
    test: &AttrValue,
    onclick: Callback<MouseEvent>,
) -> Html {
    let ParsedField {
        shown,
        invalid,
        oninput,
        onchange,
        ..
    } = field;
    html! {
        <div class={look.class}>
            <label>
                <span>{ label.clone() }</span>
                <input type="text" inputmode="numeric" dir="ltr" autocomplete="off" maxlength={look.maxlength}
                    class={classes!(invalid.then_some("invalid"))}
                    placeholder={look.placeholder} data-test={test.clone()} value={shown}
                    aria-invalid={if invalid { "true" } else { "false" }}
                    {oninput} {onchange} />
            </label>
            <button type="button" class="btn secondary now" data-test={format!("{test}{}", look.button_test)} {onclick}>
                { lang.t(look.button_key) }
            </button>
            if invalid {
                <p class="field-error" role="alert">{ lang.t(look.error_key) }</p>
            }
        </div>
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
    let field = use_parsed_field(
        &props.value,
        |v| show_date(v),
        parse_date_input,
        &props.on_change,
    );
    let today_click = {
        let (reset, on_change) = (field.reset.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            reset.emit(());
            on_change.emit(today());
        })
    };
    let look = FieldLook {
        class: "field time-field date-field",
        maxlength: "10",
        placeholder: "--/--/----",
        button_test: "-today",
        button_key: "session.today",
        error_key: "session.date_invalid",
    };
    parsed_field_html(lang, field, &look, &props.label, &props.test, today_click)
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
/// An emptied field clears the time.
#[component]
pub fn TimeField(props: &TimeFieldProps) -> Html {
    let (_, lang) = use_model();
    let field = use_parsed_field(
        &props.value,
        |v| v.clone().unwrap_or_default(),
        |text| {
            if text.trim().is_empty() {
                Some(None)
            } else {
                parse_time_input(text).map(Some)
            }
        },
        &props.on_change,
    );
    let now = {
        let (reset, on_change) = (field.reset.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            reset.emit(());
            on_change.emit(Some(clock_now()));
        })
    };
    let look = FieldLook {
        class: "field time-field",
        maxlength: "5",
        placeholder: "--:--",
        button_test: "-now",
        button_key: "session.now",
        error_key: "session.time_invalid",
    };
    parsed_field_html(lang, field, &look, &props.label, &props.test, now)
}
