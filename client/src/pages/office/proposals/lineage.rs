//! A proposal's lineage (`l`): every need it went through, when and by whom.

use tachkhis_shared::api::consolidation::Lineage;
use uuid::Uuid;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::pages::office::log::{epoch_ms, kind_key};
use crate::pages::office::{Link, LoadNotice, use_get};
use crate::route::Route;
use crate::use_model;
use crate::widgets::show_time;

#[derive(Properties, PartialEq)]
pub struct LineagePanelProps {
    pub id: Uuid,
    /// The proposal's problem, as a title.
    pub problem: String,
    pub on_close: Callback<()>,
}

#[component]
pub fn LineagePanel(props: &LineagePanelProps) -> Html {
    let (_, lang) = use_model();
    let lineage = use_get::<Lineage>(Some(format!("/api/proposals/{}/lineage", props.id)));
    let close = props.on_close.reform(|_: MouseEvent| ());
    let need_link = |n: Option<i64>| match n {
        Some(id) => html! { <Link to={Route::OfficeNeed { id }}>{ format!("#{id}") }</Link> },
        None => html! { <span class="muted">{ lang.t("office.status.unplaced") }</span> },
    };
    // From one need to the next, in the reading direction.
    let arrow = if lang == Lang::Ar { " ← " } else { " → " };
    let steps = lineage.data.as_ref().map(|l| {
        html! {
            <ol class="lineage">
                { for l.steps.iter().map(|s| html! {
                    <li>
                        <span class="num" dir="ltr">{ show_time(epoch_ms(s.at)) }</span>
                        { " · " }{ s.username.clone().unwrap_or_default() }{ " · " }
                        { lang.t(kind_key(&s.kind)) }{ " : " }
                        { need_link(s.from_need) }<span aria-hidden="true">{ arrow }</span>{ need_link(s.to_need) }
                    </li>
                }) }
            </ol>
        }
    });
    html! {
        <aside class="dialog lineage-panel" data-test="lineage">
            <div class="overlay-head">
                <h2>{ lang.t("office.lineage.title") }</h2>
                <button type="button" class="flash-close" aria-label={lang.t("office.close")} onclick={close}>{ "×" }</button>
            </div>
            <p dir="auto"><strong>{ props.problem.clone() }</strong></p>
            <LoadNotice loading={lineage.loading} error={lineage.error.clone()} has_data={lineage.data.is_some()} />
            if lineage.data.as_ref().is_some_and(|l| l.steps.is_empty()) {
                <p class="muted">{ lang.t("office.lineage.none") }</p>
            }
            { for steps }
        </aside>
    }
}
