//! Attendance: large − / + steppers per category (women and men, and among them youth aged
//! 15-34 and people with disabilities), the total always in view; the associations and
//! cooperatives represented, each with its count.

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

#[component]
pub fn AttendanceTab(props: &TabProps) -> Html {
    let (model, lang) = use_model();
    let attendance = &props.session.attendance;
    let row = |category: AttendanceCategory| {
        let count = attendance.get(category.clone());
        let step = |delta: i64| {
            let (model, id, category) = (model.clone(), props.id, category.clone());
            Callback::from(move |_: MouseEvent| {
                let category = category.clone();
                spawn_edit(&model, id, move |doc, ctx| {
                    doc.add_attendance(category, delta, ctx)
                })
            })
        };
        let code = category.code();
        let label = lang.t(&format!("attendance.{code}"));
        html! {
            <li class={classes!("stepper", (!category.counts_in_total()).then_some("subset"))} data-test={format!("att-{code}")}>
                <span class="stepper-label">{ label }</span>
                <div class="stepper-controls">
                    <button type="button" class="step minus" data-test={format!("att-{code}-minus")}
                        aria-label={lang.tf("attendance.less", &[("category", label)])}
                        disabled={count <= 0} onclick={step(-1)}>{ "−" }</button>
                    <output class="step-value" data-test={format!("att-{code}-value")}>{ count }</output>
                    <button type="button" class="step plus" data-test={format!("att-{code}-plus")}
                        aria-label={lang.tf("attendance.more", &[("category", label)])}
                        onclick={step(1)}>{ "+" }</button>
                </div>
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
