//! Another need merged into this one (its proposals come here, it closes).

use tachkhis_shared::api::consolidation::{ActionDone, MergeInto, NeedSummary};
use yew::prelude::*;

use crate::net::office;
use crate::pages::office::{filter_select, use_get, use_office};
use crate::use_model;

#[derive(Properties, PartialEq)]
pub struct NeedMergeProps {
    /// The need merged into.
    pub id: i64,
}

#[component]
pub fn NeedMerge(props: &NeedMergeProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let id = props.id;
    let needs = use_get::<Vec<NeedSummary>>(Some("/api/needs".into()));
    let merge_other = use_state(|| None::<i64>);
    let others = needs
        .data
        .as_ref()
        .map(|n| {
            let mut v: Vec<&NeedSummary> = n.iter().filter(|n| n.id != id).collect();
            v.sort_by(|a, b| a.title.cmp(&b.title));
            v.into_iter()
                .map(|n| (n.id.to_string(), format!("{} ({})", n.title, n.proposals)))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let pick = {
        let m = merge_other.clone();
        Callback::from(move |v: Option<String>| m.set(v.and_then(|v| v.parse().ok())))
    };
    let go = {
        let (office, other) = (office.clone(), *merge_other);
        let m = merge_other.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(other) = other else { return };
            let body = MergeInto {
                proposal_ids: vec![],
                need_ids: vec![other],
            };
            let token = office.token.clone();
            let m = m.clone();
            office.act(
                "office.done.merged_need",
                async move {
                    let path = format!("/api/needs/{id}/merge");
                    office::send::<_, ActionDone>("POST", &token, &path, Some(&body)).await
                },
                move |_| m.set(None),
            );
        })
    };
    let other = merge_other.map(|o| o.to_string());
    html! {
        <div class="inline-action" data-test="need-merge">
            { filter_select(lang, "merge-need", "office.need.merge_other", other.as_deref(), others.into_iter(), pick) }
            <button type="button" class="btn secondary small" data-test="merge-need-confirm"
                disabled={office.busy || merge_other.is_none()} onclick={go}>{ lang.t("office.need.merge_confirm") }</button>
        </div>
    }
}
