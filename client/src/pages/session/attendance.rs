//! Attendance: large − / + steppers per category, the total always in view.

use tachkhis_shared::reference::AttendanceCategory;
use yew::prelude::*;

use super::{TabProps, spawn_edit};
use crate::use_model;

#[component]
pub fn AttendanceTab(props: &TabProps) -> Html {
    let (model, lang) = use_model();
    let attendance = &props.session.attendance;
    let row = |category: AttendanceCategory| {
        let count = attendance.get(category);
        let step = |delta: i64| {
            let (model, id) = (model.clone(), props.id);
            Callback::from(move |_: MouseEvent| {
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
                <strong>{ attendance.total() }</strong>
            </div>
            <ul class="steppers">
                { for AttendanceCategory::ALL.iter().copied().map(row) }
            </ul>
            <p class="hint">{ lang.t("attendance.subset_hint") }</p>
        </section>
    }
}
