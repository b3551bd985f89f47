//! Proposals: every proposal of every session in one dense table, with filters and a search
//! box; a selection (checkboxes, shift-click ranges, all visible rows) for the bulk actions:
//! merge into a new need, add to an existing need, remove from its need.
//!
//! [`ProposalsPage`] holds the screen's state (filter, sort, selection, the open dialog, the
//! lineage shown) and gives each panel its part: `filters`, `table`, `dialogs` (the bulk bar,
//! merge, add to a need), `lineage`; `keys` are its shortcuts, `actions` what it sends. The
//! selection's rules are a reducer (`selection`), tested on the host.

mod actions;
mod dialogs;
mod filters;
mod keys;
mod lineage;
mod photos;
mod selection;
mod table;

use std::rc::Rc;

use tachkhis_shared::Sector;
use tachkhis_shared::api::consolidation::{
    ActionDone, OfficeProposal, ProposalFilter, ProposalPage, ProposalStatus,
};
use tachkhis_shared::reference::Reference;
use uuid::Uuid;
use yew::prelude::*;

use super::{LoadNotice, group_name, sector_name, use_get, use_office};
use crate::i18n::Lang;
use crate::net::office::query;
use crate::route::use_navigator;
use crate::use_model;
use crate::widgets::{douar_name, pole_name, show_date};
use dialogs::BulkBar;
use filters::ProposalFilters;
use keys::{ProposalKeys, use_proposal_keys};
use lineage::LineagePanel;
use selection::{Select, Selection};
use table::ProposalTable;

/// Rows asked for at a time; "show more" asks for this many more.
const PAGE: u32 = 500;

#[derive(Clone, Copy, PartialEq)]
pub enum Col {
    Problem,
    Sector,
    Place,
    Session,
    Votes,
    Present,
    Need,
}

#[derive(Clone, PartialEq)]
pub enum Dialog {
    None,
    Merge {
        title: String,
        sector: Option<Sector>,
    },
    AddTo {
        query: String,
        need: Option<i64>,
    },
}

/// The douar a proposal is about: its own, else its session's first.
fn place_of(p: &OfficeProposal) -> Option<&str> {
    p.douar_id
        .as_deref()
        .or_else(|| p.session_douar_ids.first().map(String::as_str))
}

/// The rows shown: the fetched page's rows in the chosen order.
pub struct Rows {
    page: Option<Rc<ProposalPage>>,
    order: Vec<usize>,
}

/// The same page in the same order (no comparison of the rows themselves).
impl PartialEq for Rows {
    fn eq(&self, other: &Self) -> bool {
        let same_page = match (&self.page, &other.page) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_page && self.order == other.order
    }
}

impl Rows {
    fn sorted(
        page: Option<Rc<ProposalPage>>,
        (col, asc): (Col, bool),
        r: Option<&Reference>,
        lang: Lang,
    ) -> Rows {
        let rows: &[OfficeProposal] = page.as_ref().map_or(&[], |p| &p.rows);
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&rows[a], &rows[b]);
            let o = match col {
                Col::Problem => a.problem.cmp(&b.problem),
                Col::Sector => sector_name(r, lang, a.sector.as_ref()).cmp(&sector_name(
                    r,
                    lang,
                    b.sector.as_ref(),
                )),
                Col::Place => place_of(a)
                    .map(|d| douar_name(r, lang, d))
                    .cmp(&place_of(b).map(|d| douar_name(r, lang, d))),
                Col::Session => (&a.date, &a.group_kind, a.session_id).cmp(&(
                    &b.date,
                    &b.group_kind,
                    b.session_id,
                )),
                Col::Votes => a.votes.cmp(&b.votes),
                Col::Present => a.present.cmp(&b.present),
                Col::Need => (&a.status, &a.need_title).cmp(&(&b.status, &b.need_title)),
            };
            let o = if asc { o } else { o.reverse() };
            o.then(a.id.cmp(&b.id))
        });
        Rows { page, order }
    }

    fn len(&self) -> usize {
        self.order.len()
    }

    fn get(&self, i: usize) -> Option<&OfficeProposal> {
        let page = self.page.as_ref()?;
        self.order.get(i).map(|&k| &page.rows[k])
    }

    fn iter(&self) -> impl Iterator<Item = &OfficeProposal> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

fn proposals_query(filter: &ProposalFilter, limit: u32) -> String {
    format!(
        "/api/proposals{}",
        query(&[
            ("pole", filter.pole.clone()),
            ("douar", filter.douar.clone()),
            (
                "group_kind",
                filter.group_kind.as_ref().map(|g| g.code().to_string())
            ),
            (
                "sector",
                filter.sector.as_ref().map(|s| s.code().to_string())
            ),
            ("session", filter.session.map(|s| s.to_string())),
            ("need", filter.need.map(|n| n.to_string())),
            (
                "status",
                filter.status.as_ref().map(|s| s.code().to_string())
            ),
            ("q", filter.q.clone()),
            ("limit", Some(limit.to_string())),
        ])
    )
}

#[component]
pub fn ProposalsPage() -> Html {
    let (model, lang) = use_model();
    let office = use_office();
    let navigator = use_navigator();
    let reference = model.reference();
    let filter = use_state(ProposalFilter::default);
    let limit = use_state(|| PAGE);
    let sort = use_state(|| (Col::Session, false));
    let selection = use_reducer(Selection::default);
    let dialog = use_state(|| Dialog::None);
    // The proposal whose lineage is shown (`l`).
    let lineage_of = use_state(|| None::<Uuid>);

    let page = use_get::<ProposalPage>(Some(proposals_query(&filter, *limit)));
    let rows = Rc::new(Rows::sorted(
        page.data.clone(),
        *sort,
        reference.as_deref(),
        lang,
    ));
    let order: Rc<Vec<Uuid>> = Rc::new(rows.iter().map(|p| p.id).collect());
    let cur = selection.cursor(order.len());
    let total = page.data.as_ref().map_or(0, |p| p.total);

    let ids: Rc<Vec<Uuid>> = Rc::new(selection.ids.iter().copied().collect());
    let after = {
        let (dialog, selection) = (dialog.clone(), selection.dispatcher());
        Callback::from(move |_: ActionDone| {
            dialog.set(Dialog::None);
            selection.dispatch(Select::Clear);
        })
    };
    let move_to = actions::move_to(&office, &ids, &after);
    let open_merge = {
        let (dialog, rows, ids) = (dialog.clone(), rows.clone(), ids.clone());
        Callback::from(move |()| {
            // The rows as fetched: the first of the shortest problems, as before sorting.
            let fetched = rows.page.iter().flat_map(|p| p.rows.iter());
            if let Some((title, sector)) = actions::merge_defaults(fetched, &ids) {
                dialog.set(Dialog::Merge { title, sector });
            }
        })
    };
    let open_add = {
        let (dialog, empty) = (dialog.clone(), ids.is_empty());
        Callback::from(move |()| {
            if !empty {
                dialog.set(Dialog::AddTo {
                    query: String::new(),
                    need: None,
                });
            }
        })
    };
    use_proposal_keys(ProposalKeys {
        cursor: cur,
        order: order.clone(),
        need_at_cursor: rows.get(cur).and_then(|p| p.need_id),
        read_only: office.read_only,
        selection: selection.dispatcher(),
        dialog: dialog.clone(),
        lineage_of: lineage_of.clone(),
        open_merge: open_merge.clone(),
        open_add: open_add.clone(),
        move_to: move_to.clone(),
        navigator,
    });

    let on_filter = {
        let (filter, selection) = (filter.clone(), selection.dispatcher());
        Callback::from(move |(next, to_top): (ProposalFilter, bool)| {
            if to_top {
                selection.dispatch(Select::Cursor(0));
            }
            filter.set(next);
        })
    };
    let dialog_html = dialogs::open_dialog(&dialog, &office, &ids, &after, &move_to);
    let session_label = rows
        .get(0)
        .map(|p| session_label(reference.as_deref(), lang, p))
        .unwrap_or_default();
    let more = (total > rows.len() as i64).then(|| {
        let limit = limit.clone();
        let onclick = Callback::from(move |_: MouseEvent| limit.set(*limit + PAGE));
        html! {
            <button type="button" class="btn secondary small" data-test="show-more" {onclick}>
                { lang.t("office.show_more") }
            </button>
        }
    });
    let close_lineage = {
        let lineage_of = lineage_of.clone();
        Callback::from(move |()| lineage_of.set(None))
    };
    html! {
        <section class="office-page proposals-page">
            <div class="page-head">
                <h1>{ lang.t("office.nav.proposals") }</h1>
                <span class="count" data-test="proposal-count" data-total={total.to_string()}>
                    { lang.tf("office.shown_of", &[("shown", &rows.len().to_string()), ("total", &total.to_string())]) }
                </span>
                if page.loading { <span class="spinner" aria-hidden="true"></span> }
            </div>
            <ProposalFilters filter={(*filter).clone()} {session_label} {on_filter} />
            if let Some(session) = filter.session.filter(|_| office.can(tachkhis_shared::permissions::Action::ReadPhotos)) {
                <photos::SessionPhotos {session} />
            }
            if !office.read_only && !ids.is_empty() {
                <BulkBar count={ids.len()} on_merge={open_merge} on_add={open_add}
                    on_remove={move_to.reform(|()| None)}
                    on_clear={selection.dispatcher().to_callback().reform(|()| Select::Clear)} />
            }
            { dialog_html }
            if let Some(id) = *lineage_of {
                <LineagePanel {id} problem={rows.iter().find(|p| p.id == id).map(|p| p.problem.clone()).unwrap_or_default()}
                    on_close={close_lineage} />
            }
            <LoadNotice loading={page.loading} error={page.error.clone()} has_data={page.data.is_some()} />
            if page.data.is_some() && rows.len() == 0 {
                <p class="empty">{ lang.t("office.proposals.empty") }</p>
            } else {
                <ProposalTable rows={rows.clone()} order={order.clone()} selection={selection.clone()}
                    sort={sort.clone()} filter={filter.clone()} />
            }
            { for more }
        </section>
    }
}

pub fn status_key(s: &ProposalStatus) -> &'static str {
    match s {
        ProposalStatus::Unplaced => "office.status.unplaced",
        ProposalStatus::Placed => "office.status.placed",
        ProposalStatus::Withdrawn => "office.status.withdrawn",
        ProposalStatus::Unknown(_) => "office.status.other",
    }
}

/// "Women · 14/07/2022" for a session chip.
fn session_label(r: Option<&Reference>, lang: Lang, p: &OfficeProposal) -> String {
    format!(
        "{} · {} · {}",
        group_name(r, lang, &p.group_kind),
        pole_name(r, lang, &p.pole_id),
        show_date(&p.date)
    )
}
