//! One need: its own fields (editable), what its proposals say (sessions, groups, people
//! present, poles and douars), its proposals (withdrawn ones struck through), split and merge,
//! its projects (link, unlink), and its history with undo.

use std::collections::BTreeSet;
use std::rc::Rc;

use tachkhis_shared::Sector;
use tachkhis_shared::api::consolidation::{
    ActionDone, ActionEntry, LinkProject, MergeInto, MoveProposals, NeedDetail, NeedPatch,
    NeedSummary, ProposalStatus, SplitNeed,
};
use tachkhis_shared::api::programme::{ProgrammeTree, ProjectSummary};
use uuid::Uuid;
use yew::prelude::*;

use super::log::ActionTable;
use super::{
    Link, LoadNotice, filter_select, group_name, sector_name, sector_options, select_value,
    use_get, use_office,
};
use crate::net::office;
use crate::route::{Route, use_navigator};
use crate::use_model;
use crate::widgets::{douar_list, douar_name, input_value, pole_name, show_date, textarea_value};

#[derive(Properties, PartialEq)]
pub struct NeedPageProps {
    pub id: i64,
}

/// The fields being edited (none: showing them).
#[derive(Clone, PartialEq)]
struct Draft {
    title: String,
    sector: Option<Sector>,
    description: String,
}

#[component]
pub fn NeedPage(props: &NeedPageProps) -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let navigator = use_navigator();
    let reference = model.reference();
    let r = reference.as_deref();
    let id = props.id;
    let detail = use_get::<NeedDetail>(Some(format!("/api/needs/{id}")));
    let needs = use_get::<Vec<NeedSummary>>(Some("/api/needs".into()));
    let tree = use_get::<ProgrammeTree>(Some("/api/programme".into()));
    let draft = use_state(|| None::<Draft>);
    let selected = use_state(|| Rc::new(BTreeSet::<Uuid>::new()));
    let split_title = use_state(String::new);
    let merge_other = use_state(|| None::<i64>);
    let link_project = use_state(|| None::<i64>);

    let Some(need) = detail.data.clone() else {
        return html! {
            <section class="office-page">
                <LoadNotice loading={detail.loading} error={detail.error.clone()} has_data=false />
            </section>
        };
    };
    let s = &need.summary;
    let projects: Vec<ProjectSummary> = tree
        .data
        .as_ref()
        .map(|t| {
            t.axes
                .iter()
                .flat_map(|a| &a.programmes)
                .flat_map(|p| p.projects.iter().cloned())
                .collect()
        })
        .unwrap_or_default();
    let project_title = |pid: i64| -> String {
        projects
            .iter()
            .find(|p| p.id == pid)
            .map(|p| format!("{}. {}", p.number, lang.pick(&p.title_ar, &p.title_fr)))
            .unwrap_or_else(|| format!("#{pid}"))
    };
    let ro = office.read_only;
    let closed = need.closed_at.is_some();

    // ---- own fields ------------------------------------------------------------------------
    let fields = match &*draft {
        None => {
            let edit = {
                let (draft, s) = (draft.clone(), s.clone());
                Callback::from(move |_: MouseEvent| {
                    draft.set(Some(Draft {
                        title: s.title.clone(),
                        sector: s.sector.clone(),
                        description: s.description.clone(),
                    }))
                })
            };
            html! {
                <div class="need-fields">
                    <h1 dir="auto" data-test="need-title">{ &s.title }</h1>
                    <p class="sub">{ sector_name(r, lang, s.sector.as_ref()) }</p>
                    if !s.description.is_empty() { <p dir="auto" class="description">{ &s.description }</p> }
                    if !ro && !closed {
                        <button type="button" class="btn secondary small" data-test="need-edit" onclick={edit}>
                            { lang.t("office.edit") }
                        </button>
                    }
                </div>
            }
        }
        Some(d) => {
            let set = |f: fn(&mut Draft, String)| {
                let draft = draft.clone();
                move |v: String| {
                    if let Some(mut d) = (*draft).clone() {
                        f(&mut d, v);
                        draft.set(Some(d));
                    }
                }
            };
            let on_title = {
                let f = set(|d, v| d.title = v);
                Callback::from(move |e: InputEvent| f(input_value(&e)))
            };
            let on_description = {
                let f = set(|d, v| d.description = v);
                Callback::from(move |e: InputEvent| f(textarea_value(&e)))
            };
            let on_sector = {
                let draft = draft.clone();
                Callback::from(move |v: Option<String>| {
                    if let Some(mut d) = (*draft).clone() {
                        d.sector = v.map(|c| Sector::parse(&c));
                        draft.set(Some(d));
                    }
                })
            };
            let cancel = {
                let draft = draft.clone();
                Callback::from(move |_: MouseEvent| draft.set(None))
            };
            let save = {
                let (office, draft, s) = (office.clone(), draft.clone(), s.clone());
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    let Some(d) = (*draft).clone() else { return };
                    if d.title.trim().is_empty() {
                        return;
                    }
                    // Only what changed.
                    let patch = NeedPatch {
                        title: (d.title.trim() != s.title).then(|| d.title.trim().to_string()),
                        sector: (d.sector != s.sector).then(|| d.sector.clone()),
                        description: (d.description != s.description)
                            .then(|| d.description.clone()),
                    };
                    let token = office.token.clone();
                    let draft = draft.clone();
                    office.act(
                        "office.done.saved",
                        async move {
                            let path = format!("/api/needs/{id}");
                            office::send::<_, ActionDone>("PATCH", &token, &path, Some(&patch))
                                .await
                        },
                        move |_| draft.set(None),
                    );
                })
            };
            html! {
                <form class="need-fields dialog" data-test="need-form" onsubmit={save}>
                    <label class="field">
                        <span>{ lang.t("office.need.title") }</span>
                        <input type="text" dir="auto" data-test="need-title-input" value={d.title.clone()} oninput={on_title} />
                    </label>
                    { filter_select(lang, "need-sector", "office.col.sector", d.sector.as_ref().map(Sector::code),
                        sector_options(lang, r).into_iter(), on_sector) }
                    <label class="field">
                        <span>{ lang.t("office.need.description") }</span>
                        <textarea dir="auto" rows="3" value={d.description.clone()} oninput={on_description} />
                    </label>
                    <div class="dialog-actions">
                        <button type="submit" class="btn primary small" data-test="need-save"
                            disabled={office.busy || d.title.trim().is_empty()}>{ lang.t("office.save") }</button>
                        <button type="button" class="btn secondary small" onclick={cancel}>{ lang.t("common.cancel") }</button>
                    </div>
                </form>
            }
        }
    };

    // ---- facts -----------------------------------------------------------------------------
    let groups = s.sessions_by_group.iter().map(|(g, c)| {
        html! { <li><span>{ group_name(r, lang, g) }</span><strong class="num">{ c }</strong></li> }
    });
    let poles = s
        .pole_ids
        .iter()
        .map(|p| pole_name(r, lang, p))
        .collect::<Vec<_>>()
        .join(" · ");
    let facts = html! {
        <div class="facts" data-test="need-facts">
            <div class="fact"><span>{ lang.t("office.col.sessions") }</span><strong class="num" data-test="need-sessions">{ s.sessions }</strong></div>
            <div class="fact"><span>{ lang.t("office.col.proposals") }</span><strong class="num">{ s.proposals }</strong></div>
            <div class="fact"><span>{ lang.t("office.col.present") }</span><strong class="num">{ s.present }</strong></div>
            <div class="fact wide"><span>{ lang.t("office.col.groups") }</span><ul class="group-counts">{ for groups }</ul></div>
            <div class="fact wide"><span>{ lang.t("office.col.poles") }</span><p>{ poles }</p></div>
            <div class="fact wide"><span>{ lang.t("office.col.douars") }</span><p>{ douar_list(r, lang, &s.douar_ids) }</p></div>
        </div>
    };

    // ---- proposals, split, remove ----------------------------------------------------------
    let ids: Vec<Uuid> = selected.iter().copied().collect();
    let clear = {
        let (selected, split_title) = (selected.clone(), split_title.clone());
        move |_: ActionDone| {
            selected.set(Rc::new(BTreeSet::new()));
            split_title.set(String::new());
        }
    };
    let split = {
        let (office, ids, title, clear) = (
            office.clone(),
            ids.clone(),
            split_title.clone(),
            clear.clone(),
        );
        let navigator = navigator.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if ids.is_empty() || title.trim().is_empty() || office.busy {
                return;
            }
            let body = SplitNeed {
                proposal_ids: ids.clone(),
                title: title.trim().to_string(),
                sector: None,
                description: String::new(),
            };
            let token = office.token.clone();
            let (clear, navigator) = (clear.clone(), navigator.clone());
            office.act(
                "office.done.split",
                async move {
                    let path = format!("/api/needs/{id}/split");
                    office::send::<_, ActionDone>("POST", &token, &path, Some(&body)).await
                },
                move |done| {
                    clear(done);
                    // The new need, where the split proposals now are.
                    if let (Some(new), Some(n)) = (done.need_id, &navigator) {
                        n.push(&Route::OfficeNeed { id: new });
                    }
                },
            );
        })
    };
    let remove = {
        let (office, ids, clear) = (office.clone(), ids.clone(), clear.clone());
        Callback::from(move |_: MouseEvent| {
            if ids.is_empty() || office.busy {
                return;
            }
            let body = MoveProposals {
                proposal_ids: ids.clone(),
                need_id: None,
            };
            let token = office.token.clone();
            office.act(
                "office.done.removed",
                async move {
                    office::send::<_, ActionDone>(
                        "POST",
                        &token,
                        "/api/proposals/move",
                        Some(&body),
                    )
                    .await
                },
                clear.clone(),
            );
        })
    };
    let tick = |pid: Uuid| {
        let selected = selected.clone();
        Callback::from(move |_: Event| {
            let mut set = (**selected).clone();
            if !set.remove(&pid) {
                set.insert(pid);
            }
            selected.set(Rc::new(set));
        })
    };
    let proposal_rows = need.proposal_list.iter().map(|p| {
        let withdrawn = p.status == ProposalStatus::Withdrawn;
        let place = p
            .douar_id
            .as_deref()
            .map(|d| douar_name(r, lang, d))
            .unwrap_or_else(|| pole_name(r, lang, &p.pole_id));
        html! {
            <tr key={p.id.to_string()} class={classes!(withdrawn.then_some("withdrawn"), selected.contains(&p.id).then_some("selected"))}
                data-test="need-proposal" data-status={p.status.code().to_string()}>
                if !ro && !closed {
                    <td class="check"><input type="checkbox" checked={selected.contains(&p.id)} onchange={tick(p.id)} data-test="need-proposal-check" /></td>
                }
                <td class="text">
                    <span class="problem">{ &p.problem }</span>
                    if !p.solution.is_empty() { <span class="solution">{ &p.solution }</span> }
                    if withdrawn { <span class="tag warn">{ lang.t("office.status.withdrawn") }</span> }
                </td>
                <td>{ sector_name(r, lang, p.sector.as_ref()) }</td>
                <td>{ place }</td>
                <td>{ group_name(r, lang, &p.group_kind) }<span class="sub num">{ show_date(&p.date) }</span></td>
                <td class="num">{ p.votes }</td>
                <td class="num">{ p.present }</td>
            </tr>
        }
    });
    let selection_bar = (!ro && !selected.is_empty()).then(|| {
        let on_title = {
            let t = split_title.clone();
            Callback::from(move |e: InputEvent| t.set(input_value(&e)))
        };
        html! {
            <form class="bulk-bar" data-test="split-bar" onsubmit={split}>
                <strong>{ lang.tf("office.selected", &[("count", &selected.len().to_string())]) }</strong>
                <input type="text" dir="auto" data-test="split-title" placeholder={lang.t("office.split.title_hint")}
                    value={(*split_title).clone()} oninput={on_title} />
                <button type="submit" class="btn primary small" data-test="split-confirm"
                    disabled={office.busy || split_title.trim().is_empty()}>{ lang.t("office.split.confirm") }</button>
                <button type="button" class="btn secondary small" data-test="need-remove" disabled={office.busy} onclick={remove}>
                    { lang.t("office.bulk.remove") }
                </button>
            </form>
        }
    });

    // ---- merge another need in -------------------------------------------------------------
    let merge = (!ro && !closed).then(|| {
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
    });

    // ---- projects --------------------------------------------------------------------------
    let unlink = |pid: i64| {
        let office = office.clone();
        Callback::from(move |_: MouseEvent| {
            let token = office.token.clone();
            office.act(
                "office.done.unlinked",
                async move {
                    let path = format!("/api/needs/{id}/projects/{pid}");
                    office::send::<(), ActionDone>("DELETE", &token, &path, None).await
                },
                |_| {},
            );
        })
    };
    let linked = s.project_ids.iter().map(|pid| {
        html! {
            <li data-test="need-project">
                <Link to={Route::OfficeProject { id: Some(*pid) }}>{ project_title(*pid) }</Link>
                if !ro && !closed {
                    <button type="button" class="btn link small" data-test="unlink" disabled={office.busy}
                        onclick={unlink(*pid)}>{ lang.t("office.project.unlink") }</button>
                }
            </li>
        }
    });
    let link = (!ro && !closed).then(|| {
        let options = projects
            .iter()
            .filter(|p| !s.project_ids.contains(&p.id))
            .map(|p| {
                (
                    p.id.to_string(),
                    format!("{}. {}", p.number, lang.pick(&p.title_ar, &p.title_fr)),
                )
            })
            .collect::<Vec<_>>();
        let pick = {
            let l = link_project.clone();
            Callback::from(move |e: Event| l.set(select_value(&e).parse().ok()))
        };
        let go = {
            let (office, chosen, l) = (office.clone(), *link_project, link_project.clone());
            Callback::from(move |_: MouseEvent| {
                let Some(project_id) = chosen else { return };
                let token = office.token.clone();
                let l = l.clone();
                office.act(
                    "office.done.linked",
                    async move {
                        let path = format!("/api/needs/{id}/projects");
                        let body = LinkProject { project_id };
                        office::send::<_, ActionDone>("POST", &token, &path, Some(&body)).await
                    },
                    move |_| l.set(None),
                );
            })
        };
        html! {
            <div class="inline-action">
                <select data-test="link-project" onchange={pick} aria-label={lang.t("office.project.link")}>
                    <option value="" selected={link_project.is_none()}>{ lang.t("office.project.choose") }</option>
                    { for options.into_iter().map(|(v, t)| html! { <option value={v}>{ t }</option> }) }
                </select>
                <button type="button" class="btn secondary small" data-test="link-confirm"
                    disabled={office.busy || link_project.is_none()} onclick={go}>{ lang.t("office.project.link") }</button>
            </div>
        }
    });

    let history: Rc<Vec<ActionEntry>> = Rc::new(need.history.clone());
    html! {
        <section class="office-page need-page" data-test="need-page" data-id={id.to_string()}>
            <p class="crumbs"><Link to={Route::OfficeNeeds}>{ lang.t("office.nav.needs") }</Link></p>
            if closed {
                <p class="notice info" data-test="need-closed">{ lang.t("office.need.closed") }</p>
            }
            <LoadNotice loading={detail.loading} error={detail.error.clone()} has_data=true />
            <div class="need-top">
                { fields }
                { facts }
            </div>
            <h2>{ lang.tf("office.need.proposals", &[("count", &need.proposal_list.len().to_string())]) }</h2>
            { for selection_bar }
            <table class="grid" data-test="need-proposals">
                <thead><tr>
                    if !ro && !closed { <th class="check"></th> }
                    <th>{ lang.t("office.col.proposal") }</th>
                    <th>{ lang.t("office.col.sector") }</th>
                    <th>{ lang.t("office.col.place") }</th>
                    <th>{ lang.t("office.col.session") }</th>
                    <th>{ lang.t("office.col.votes") }</th>
                    <th>{ lang.t("office.col.present") }</th>
                </tr></thead>
                <tbody>{ for proposal_rows }</tbody>
            </table>
            { for merge }
            <h2>{ lang.t("office.col.projects") }</h2>
            if s.project_ids.is_empty() {
                <p class="muted">{ lang.t("office.need.no_projects") }</p>
            }
            <ul class="linked-projects">{ for linked }</ul>
            { for link }
            <h2>{ lang.t("office.need.history") }</h2>
            <ActionTable entries={history} />
        </section>
    }
}
