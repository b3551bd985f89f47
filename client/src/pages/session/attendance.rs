//! Attendance: large −1 / +1 / +5 steppers per category, the count typed on the number pad
//! when tapped (stored as a difference, so two tablets' counts add; see `Typing`) (women and men, and among them youth aged
//! 15-34 and people with disabilities), the total always in view; the associations and
//! cooperatives represented, each with its count.

use std::collections::BTreeMap;

use tachkhis_shared::AttendanceCategory;
use tachkhis_shared::session::Association;
use uuid::Uuid;
use yew::prelude::*;

use super::{TabProps, spawn_edit};
use crate::use_model;
use crate::widgets::input_value;

/// Each sex with its subsets below it: one column per sex on a landscape tablet.
const COLUMNS: [[AttendanceCategory; 3]; 2] = [
    [
        AttendanceCategory::Women,
        AttendanceCategory::YouthWomen,
        AttendanceCategory::DisabledWomen,
    ],
    [
        AttendanceCategory::Men,
        AttendanceCategory::YouthMen,
        AttendanceCategory::DisabledMen,
    ],
];

/// A count being typed: the category, what the screen showed when the number pad opened, the
/// text so far.
#[derive(Clone, PartialEq)]
struct Typing {
    category: AttendanceCategory,
    shown: i64,
    text: String,
}

/// Steps of the buttons beside each count.
const STEPS: [(i64, &str, &str); 3] = [(-1, "minus", "−"), (1, "plus", "+"), (5, "plus5", "+5")];

#[component]
pub fn AttendanceTab(props: &TabProps) -> Html {
    let (model, lang) = use_model();
    let attendance = &props.session.attendance;
    let typing = use_state(|| None::<Typing>);
    // The totals typed here, by category code, as this tablet left them: a count that differs
    // came from another tablet since (its increments add to the typed total), and is shown
    // until the facilitator keeps it or takes it off.
    let typed = use_state(BTreeMap::<String, i64>::new);
    let input_ref = use_node_ref();
    {
        let input_ref = input_ref.clone();
        let open = typing.as_ref().map(|t| t.category.clone());
        use_effect_with(open, move |open| {
            if open.is_some()
                && let Some(el) = input_ref.cast::<web_sys::HtmlInputElement>()
            {
                let _ = el.focus();
                el.select();
            }
        });
    }
    let commit = {
        let (model, id, typing, typed) = (model.clone(), props.id, typing.clone(), typed.clone());
        Callback::from(move |()| {
            let Some(t) = (*typing).clone() else {
                return;
            };
            typing.set(None);
            let digits = tachkhis_shared::text::ascii_digits(t.text.trim());
            let Ok(n) = digits.parse::<i64>() else {
                return;
            };
            let code = t.category.code().to_string();
            let category = t.category.clone();
            spawn_edit(&model, id, move |doc, ctx| {
                doc.type_attendance(category, t.shown, n, ctx).map(|_| ())
            });
            let mut next = (*typed).clone();
            next.insert(code, n);
            typed.set(next);
        })
    };
    let row = |category: AttendanceCategory| {
        let count = attendance.get(category.clone());
        let code = category.code().to_string();
        let step = |delta: i64| {
            let (model, id, category, typed) =
                (model.clone(), props.id, category.clone(), typed.clone());
            Callback::from(move |_: MouseEvent| {
                let category = category.clone();
                if let Some(expected) = typed.get(category.code()) {
                    let mut next = (*typed).clone();
                    next.insert(category.code().to_string(), (expected + delta).max(0));
                    typed.set(next);
                }
                spawn_edit(&model, id, move |doc, ctx| {
                    doc.add_attendance(category, delta, ctx)
                })
            })
        };
        let label = lang.t(&format!("attendance.{code}"));
        let is_typing = typing.as_ref().is_some_and(|t| t.category == category);
        let value = if is_typing {
            let on_input = {
                let typing = typing.clone();
                Callback::from(move |e: InputEvent| {
                    if let Some(mut t) = (*typing).clone() {
                        t.text = input_value(&e);
                        typing.set(Some(t));
                    }
                })
            };
            let on_key = {
                let (commit, typing) = (commit.clone(), typing.clone());
                Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
                    "Enter" => {
                        e.prevent_default();
                        commit.emit(());
                    }
                    "Escape" => typing.set(None),
                    _ => {}
                })
            };
            let on_blur = commit.reform(|_: FocusEvent| ());
            let text = typing.as_ref().map(|t| t.text.clone()).unwrap_or_default();
            html! {
                <input type="text" inputmode="numeric" enterkeyhint="done" class="step-value typed"
                    data-test={format!("att-{code}-input")} aria-label={lang.tf("attendance.type", &[("category", label)])}
                    ref={input_ref.clone()} value={text} oninput={on_input} onkeydown={on_key} onblur={on_blur} />
            }
        } else {
            let onclick = {
                let (typing, category) = (typing.clone(), category.clone());
                Callback::from(move |_: MouseEvent| {
                    typing.set(Some(Typing {
                        category: category.clone(),
                        shown: count,
                        text: count.to_string(),
                    }))
                })
            };
            html! {
                <button type="button" class="step-value" data-test={format!("att-{code}-value")}
                    aria-label={lang.tf("attendance.type", &[("category", label)])} {onclick}>{ count }</button>
            }
        };
        let buttons = STEPS.map(|(delta, name, sign)| {
            let aria = if delta < 0 { "attendance.less" } else { "attendance.more" };
            html! {
                <button type="button" class={classes!("step", name)} data-test={format!("att-{code}-{name}")}
                    aria-label={lang.tf(aria, &[("category", label)])}
                    disabled={count + delta < 0} onclick={step(delta)}><bdi dir="ltr">{ sign }</bdi></button>
            }
        });
        let [minus, plus, plus5] = buttons;
        let arrived = typed
            .get(&code)
            .map(|expected| count - expected)
            .filter(|d| *d != 0 && !is_typing);
        let arrived = arrived.map(|diff| {
            let settle = |take_off: bool| {
                let (model, id, category, typed) =
                    (model.clone(), props.id, category.clone(), typed.clone());
                Callback::from(move |_: MouseEvent| {
                    let mut next = (*typed).clone();
                    let expected = next.remove(category.code()).unwrap_or(count);
                    typed.set(next);
                    if take_off {
                        let category = category.clone();
                        spawn_edit(&model, id, move |doc, ctx| {
                            doc.type_attendance(category, count, expected, ctx).map(|_| ())
                        });
                    }
                })
            };
            // Isolated left-to-right, or the sign lands after the number in Arabic.
            let n = if diff > 0 {
                format!("\u{2066}+{diff}\u{2069}")
            } else {
                format!("\u{2066}−{}\u{2069}", -diff)
            };
            html! {
                <div class="arrived notice info" role="status" data-test={format!("att-{code}-arrived")} data-diff={diff.to_string()}>
                    <span>{ lang.tf("attendance.arrived", &[("n", &n)]) }</span>
                    <button type="button" class="btn secondary" data-test={format!("att-{code}-keep")} onclick={settle(false)}>
                        { lang.t("attendance.arrived_keep") }
                    </button>
                    <button type="button" class="btn danger-quiet" data-test={format!("att-{code}-take-off")} onclick={settle(true)}>
                        { lang.t("attendance.arrived_take_off") }
                    </button>
                </div>
            }
        });
        html! {
            <li class={classes!("stepper", (!category.counts_in_total()).then_some("subset"))} data-test={format!("att-{code}")}>
                <span class="stepper-label">{ label }</span>
                <div class="stepper-controls">
                    { minus }{ value }{ plus }{ plus5 }
                </div>
                { for arrived }
            </li>
        }
    };
    html! {
        <section class="attendance">
            <div class="total" data-test="att-total" data-total={attendance.total().to_string()}>
                <span>{ lang.t("attendance.total") }</span>
                <span class="total-split">
                    { lang.tf("attendance.split", &[
                        ("women", &attendance.get(AttendanceCategory::Women).to_string()),
                        ("men", &attendance.get(AttendanceCategory::Men).to_string()),
                    ]) }
                </span>
                <strong>{ attendance.total() }</strong>
            </div>
            <div class="stepper-columns">
                { for COLUMNS.iter().map(|col| html! {
                    <ul class="steppers">{ for col.iter().cloned().map(row) }</ul>
                }) }
            </div>
            <p class="hint">{ lang.t("attendance.subset_hint") }</p>
            <Associations id={props.id} session={props.session.clone()} />
        </section>
    }
}

/// The associations and cooperatives represented: add by name, count with a stepper, remove
/// and restore.
#[component]
fn Associations(props: &TabProps) -> Html {
    let (model, lang) = use_model();
    let name = use_state(String::new);
    let id = props.id;
    let live: Vec<&Association> = props.session.live_associations().collect();
    let removed: Vec<&Association> = props
        .session
        .associations
        .iter()
        .filter(|a| a.deleted)
        .collect();

    let on_name = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| name.set(input_value(&e)))
    };
    let on_add = {
        let (model, name) = (model.clone(), name.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let typed = name.trim().to_string();
            if typed.is_empty() {
                return;
            }
            name.set(String::new());
            spawn_edit(&model, id, move |doc, ctx| {
                doc.add_association(&typed, 0, ctx).map(|_| ())
            });
        })
    };
    let edit = |aid: Uuid,
                f: fn(
        &mut tachkhis_shared::SessionDoc,
        Uuid,
        &tachkhis_shared::session::EditCtx,
    ) -> Result<(), tachkhis_shared::session::DocError>| {
        let model = model.clone();
        Callback::from(move |_: MouseEvent| {
            spawn_edit(&model, id, move |doc, ctx| f(doc, aid, ctx))
        })
    };
    let item = |a: &&Association| {
        let minus = edit(a.id, |doc, aid, ctx| {
            doc.add_association_count(aid, -1, ctx)
        });
        let plus = edit(a.id, |doc, aid, ctx| doc.add_association_count(aid, 1, ctx));
        let remove = edit(a.id, |doc, aid, ctx| {
            doc.set_association_deleted(aid, true, ctx)
        });
        html! {
            <li key={a.id.to_string()} class="stepper association" data-test="association" data-id={a.id.to_string()}>
                <span class="stepper-label" dir="auto">{ a.name.clone() }</span>
                <div class="stepper-controls">
                    <button type="button" class="step minus" data-test="association-minus"
                        aria-label={lang.tf("attendance.less", &[("category", &a.name)])}
                        disabled={a.count <= 0} onclick={minus}>{ "−" }</button>
                    <output class="step-value" data-test="association-count">{ a.count }</output>
                    <button type="button" class="step plus" data-test="association-plus"
                        aria-label={lang.tf("attendance.more", &[("category", &a.name)])}
                        onclick={plus}>{ "+" }</button>
                    <button type="button" class="btn danger-quiet remove" data-test="association-remove" onclick={remove}>
                        { lang.t("association.remove") }
                    </button>
                </div>
            </li>
        }
    };
    let removed_section = (!removed.is_empty()).then(|| {
        let items = removed.iter().map(|a| {
            let restore = edit(a.id, |doc, aid, ctx| doc.set_association_deleted(aid, false, ctx));
            html! {
                <li key={a.id.to_string()} class="removed-association" data-test="removed-association" data-id={a.id.to_string()}>
                    <span dir="auto">{ a.name.clone() }</span>
                    <button type="button" class="btn secondary" data-test="association-restore" onclick={restore}>
                        { lang.t("proposal.restore") }
                    </button>
                </li>
            }
        });
        html! {
            <details class="deleted-section" data-test="removed-associations">
                <summary>{ lang.tf("association.removed_section", &[("count", &removed.len().to_string())]) }</summary>
                <ul class="removed-list">{ for items }</ul>
            </details>
        }
    });
    let represented: i64 = live.iter().map(|a| a.count).sum();
    html! {
        <section class="associations" data-test="associations">
            <h2>
                { lang.t("association.title") }
                if !live.is_empty() {
                    <span class="hint">{ lang.tf("association.summary", &[
                        ("count", &live.len().to_string()),
                        ("people", &lang.tn("association.people", u64::try_from(represented).unwrap_or(0))),
                    ]) }</span>
                }
            </h2>
            <form class="association-add" onsubmit={on_add}>
                <input type="text" dir="auto" data-test="association-name" placeholder={lang.t("association.name_hint")}
                    aria-label={lang.t("association.name_hint")} value={(*name).clone()} oninput={on_name} />
                <button type="submit" class="btn primary big" data-test="association-add" disabled={name.trim().is_empty()}>
                    { lang.t("association.add") }
                </button>
            </form>
            <ul class="steppers">{ for live.iter().map(item) }</ul>
            { for removed_section }
        </section>
    }
}
