//! One need: its own fields (editable), what its proposals say (sessions, groups, people
//! present, poles and douars), its proposals (withdrawn ones struck through), split and merge,
//! its projects (link, unlink), and its history with undo.
//!
//! [`NeedPage`] fetches the need and lays out its panels, each a component of its own:
//! `fields` (view and edit), `proposals` (the table, split, remove), `merge` (another need
//! into this one), `projects` (links).

mod fields;
mod merge;
mod projects;
mod proposals;

use std::rc::Rc;

use tachkhis_shared::api::consolidation::{ActionEntry, NeedDetail, NeedSummary};
use tachkhis_shared::reference::Reference;
use yew::prelude::*;

use super::log::ActionTable;
use super::{Link, LoadNotice, group_name, use_get, use_office};
use crate::i18n::Lang;
use crate::route::Route;
use crate::use_model;
use crate::widgets::{douar_list, pole_name};
use fields::NeedFields;
use merge::NeedMerge;
use projects::NeedProjects;
use proposals::NeedProposals;

#[derive(Properties, PartialEq)]
pub struct NeedPageProps {
    pub id: i64,
}

#[component]
pub fn NeedPage(props: &NeedPageProps) -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let reference = model.reference();
    let id = props.id;
    let detail = use_get::<NeedDetail>(Some(format!("/api/needs/{id}")));

    let Some(need) = detail.data.clone() else {
        return html! {
            <section class="office-page">
                <LoadNotice loading={detail.loading} error={detail.error.clone()} has_data=false />
            </section>
        };
    };
    let s = &need.summary;
    let closed = need.closed_at.is_some();
    // What this user may change here.
    let editable = !office.read_only && !closed;
    let history: Rc<Vec<ActionEntry>> = Rc::new(need.history.clone());
    html! {
        <section class="office-page need-page" data-test="need-page" data-id={id.to_string()}>
            <p class="crumbs"><Link to={Route::OfficeNeeds}>{ lang.t("office.nav.needs") }</Link></p>
            if closed {
                <p class="notice info" data-test="need-closed">{ lang.t("office.need.closed") }</p>
            }
            <LoadNotice loading={detail.loading} error={detail.error.clone()} has_data=true />
            <div class="need-top">
                <NeedFields {id} summary={s.clone()} {editable} />
                { facts(lang, reference.as_deref(), s) }
            </div>
            <h2>{ lang.tf("office.need.proposals", &[("count", &need.proposal_list.len().to_string())]) }</h2>
            <NeedProposals {id} need={need.clone()} {editable} />
            if editable {
                <NeedMerge {id} />
            }
            <NeedProjects {id} project_ids={s.project_ids.clone()} {editable} />
            <h2>{ lang.t("office.need.history") }</h2>
            <ActionTable entries={history} />
        </section>
    }
}

/// What the need's proposals say: sessions, proposals, people present, groups, poles, douars.
fn facts(lang: Lang, r: Option<&Reference>, s: &NeedSummary) -> Html {
    let groups = s.sessions_by_group.iter().map(|(g, c)| {
        html! { <li><span>{ group_name(r, lang, g) }</span><strong class="num">{ c }</strong></li> }
    });
    let poles = s
        .pole_ids
        .iter()
        .map(|p| pole_name(r, lang, p))
        .collect::<Vec<_>>()
        .join(" · ");
    html! {
        <div class="facts" data-test="need-facts">
            <div class="fact"><span>{ lang.t("office.col.sessions") }</span><strong class="num" data-test="need-sessions">{ s.sessions }</strong></div>
            <div class="fact"><span>{ lang.t("office.col.proposals") }</span><strong class="num">{ s.proposals }</strong></div>
            <div class="fact"><span>{ lang.t("office.col.present") }</span><strong class="num">{ s.present }</strong></div>
            <div class="fact wide"><span>{ lang.t("office.col.groups") }</span><ul class="group-counts">{ for groups }</ul></div>
            <div class="fact wide"><span>{ lang.t("office.col.poles") }</span><p>{ poles }</p></div>
            <div class="fact wide"><span>{ lang.t("office.col.douars") }</span><p>{ douar_list(r, lang, &s.douar_ids) }</p></div>
        </div>
    }
}
