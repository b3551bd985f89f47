//! Correcting a session's pole, douars and group after it was created (a facilitator who
//! picked the wrong pole in a hurry), and the log of corrections the document keeps.

use tachkhis_shared::GroupKind;
use tachkhis_shared::reference::Reference;
use tachkhis_shared::session::{CorrectedField, Correction, OpeningChoices, Session};
use uuid::Uuid;
use yew::prelude::*;

use super::spawn_edit;
use crate::i18n::Lang;
use crate::pages::new_session::{group_chips, place_chips};
use crate::use_model;
use crate::widgets::{douar_full_name, group_label, pole_full_name, show_time};

#[derive(Properties, PartialEq)]
pub struct CorrectProps {
    pub id: Uuid,
    pub session: std::rc::Rc<Session>,
}

/// A value of a correction in words: the pole's or douars' names, the group's label. Inside a
/// sentence a name never breaks across lines (a Latin name broken inside Arabic text reads
/// backwards), so its spaces do not break; the list may break after a comma.
fn value_text(
    reference: Option<&Reference>,
    lang: Lang,
    field: CorrectedField,
    value: &str,
) -> String {
    let whole = |name: String| name.replace(' ', "\u{a0}");
    match field {
        CorrectedField::Pole => whole(pole_full_name(reference, value)),
        CorrectedField::Douars => {
            let names: Vec<String> = Correction::douar_ids(value)
                .iter()
                .map(|d| whole(douar_full_name(reference, d)))
                .collect();
            names.join(lang.pick("، ", ", "))
        }
        CorrectedField::Group => group_label(reference, lang, GroupKind::parse(value)),
    }
}

fn field_key(field: CorrectedField) -> &'static str {
    match field {
        CorrectedField::Pole => "correct.field.pole",
        CorrectedField::Douars => "correct.field.douars",
        CorrectedField::Group => "correct.field.group",
    }
}

/// The button, then the pole, douar and group chips set to the session's current choices.
#[component]
pub fn CorrectOpening(props: &CorrectProps) -> Html {
    let (model, lang) = use_model();
    let s = &props.session;
    let open = use_state(|| false);
    let pole = use_state(|| Some(s.meta.pole_id.clone()));
    let douars = use_state(|| s.douar_ids.clone());
    let group = use_state(|| Some(s.meta.group_kind.clone()));
    let reference = model.reference();
    let start = {
        let (open, pole, douars, group, s) = (
            open.clone(),
            pole.clone(),
            douars.clone(),
            group.clone(),
            s.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            // From what the session says now (another tablet may have corrected it since).
            pole.set(Some(s.meta.pole_id.clone()));
            douars.set(s.douar_ids.clone());
            group.set(Some(s.meta.group_kind.clone()));
            open.set(true);
        })
    };
    let cancel = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(false))
    };
    let log = corrections_log(reference.as_deref(), lang, s);
    let Some(reference) = reference.filter(|_| *open) else {
        return html! {
            <div class="correct" data-test="correct">
                { log }
                <button type="button" class="btn secondary" data-test="correct-open" onclick={start}>
                    { lang.t("correct.open") }
                </button>
            </div>
        };
    };
    let choices = match (&*pole, &*group) {
        (Some(p), Some(g)) if !douars.is_empty() => Some(OpeningChoices {
            pole_id: p.clone(),
            douar_ids: (*douars).clone(),
            group_kind: g.clone(),
        }),
        _ => None,
    };
    let unchanged = choices.as_ref().is_some_and(|c| {
        c.pole_id == s.meta.pole_id
            && c.douar_ids == s.douar_ids
            && c.group_kind == s.meta.group_kind
    });
    let save = {
        let (model, open, id, choices) = (model.clone(), open.clone(), props.id, choices.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(to) = choices.clone() {
                spawn_edit(&model, id, move |doc, ctx| {
                    doc.correct_opening(&to, ctx).map(|_| ())
                });
                open.set(false);
            }
        })
    };
    let mine = model.auth().map(|a| a.poles).unwrap_or_default();
    html! {
        <div class="correct open" data-test="correct-form">
            <p class="hint">{ lang.t("correct.explain") }</p>
            { place_chips(lang, &reference, &mine, &pole, &douars) }
            { group_chips(lang, &reference, &group) }
            if douars.is_empty() {
                <p class="hint" data-test="correct-missing">{ lang.t("new.missing.douar") }</p>
            }
            <div class="form-actions">
                <button type="button" class="btn primary big" data-test="correct-save"
                    disabled={choices.is_none() || unchanged} onclick={save}>
                    { lang.t("correct.save") }
                </button>
                <button type="button" class="btn secondary big" data-test="correct-cancel" onclick={cancel}>
                    { lang.t("common.cancel") }
                </button>
            </div>
        </div>
    }
}

/// What was corrected, by whom and when.
fn corrections_log(reference: Option<&Reference>, lang: Lang, s: &Session) -> Html {
    if s.corrections.is_empty() {
        return html! {};
    }
    let lines = s.corrections.iter().rev().map(|c| {
        let text = lang.tf(
            "correct.line",
            &[
                ("field", lang.t(field_key(c.field))),
                ("from", &value_text(reference, lang, c.field, &c.from)),
                ("to", &value_text(reference, lang, c.field, &c.to)),
                ("by", &c.by),
                ("time", &show_time(c.at as f64)),
            ],
        );
        html! { <li data-test="correction" data-field={c.field.code()} dir="auto">{ text }</li> }
    });
    html! {
        <details class="corrections" data-test="corrections">
            <summary>{ lang.tn("correct.count", s.corrections.len() as u64) }</summary>
            <ul>{ for lines }</ul>
        </details>
    }
}

/// When two tablets corrected the same field at once: which value the session kept, and what
/// the other tablet chose (shown in the session's header, folded or not, until corrected again).
pub fn at_once_notices(reference: Option<&Reference>, lang: Lang, s: &Session) -> Html {
    let notices = CorrectedField::ALL.into_iter().filter_map(|field| {
        let (a, b) = s.concurrent_correction(field)?;
        let kept = match field {
            CorrectedField::Pole => s.meta.pole_id.clone(),
            CorrectedField::Group => s.meta.group_kind.code().to_string(),
            CorrectedField::Douars => s.douar_ids.join(","),
        };
        let other = if a.to == kept { &b.to } else { &a.to };
        // The douars are a set: both tablets' additions and removals hold, so the session
        // may name neither tablet's list; say what it names now.
        let key = match field {
            CorrectedField::Douars => "correct.at_once_douars",
            _ => "correct.at_once",
        };
        let text = lang.tf(
            key,
            &[
                ("field", lang.t(field_key(field))),
                ("kept", &value_text(reference, lang, field, &kept)),
                ("other", &value_text(reference, lang, field, other)),
            ],
        );
        Some(html! { <p class="notice info" data-test="correction-at-once" data-field={field.code()} role="status">{ text }</p> })
    });
    notices.collect::<Html>()
}
