//! What the proposals screen sends: moving the selection in or out of a need, and a new need
//! from it. Each runs through [`Office::act`] (busy, outcome, undo, refetch).

use std::rc::Rc;

use tachkhis_shared::Sector;
use tachkhis_shared::api::consolidation::{ActionDone, MoveProposals, NewNeed, OfficeProposal};
use uuid::Uuid;
use yew::Callback;

use crate::net::office;
use crate::pages::office::Office;

/// Moves the selected proposals into a need (`None`: out of their need); `after` gets the
/// answer.
pub fn move_to(
    office: &Office,
    ids: &Rc<Vec<Uuid>>,
    after: &Callback<ActionDone>,
) -> Callback<Option<i64>> {
    let (office, ids, after) = (office.clone(), ids.clone(), after.clone());
    Callback::from(move |need_id: Option<i64>| {
        if ids.is_empty() || office.busy {
            return;
        }
        let token = office.token.clone();
        let body = MoveProposals {
            proposal_ids: ids.to_vec(),
            need_id,
        };
        let key = if need_id.is_some() {
            "office.done.added"
        } else {
            "office.done.removed"
        };
        let after = after.clone();
        office.act(
            key,
            async move { office::send("POST", &token, "/api/proposals/move", Some(&body)).await },
            move |done| after.emit(done),
        );
    })
}

/// Makes a new need of the selected proposals, with this title and sector.
pub fn create_need(
    office: &Office,
    ids: &Rc<Vec<Uuid>>,
    after: &Callback<ActionDone>,
    title: &str,
    sector: &Option<Sector>,
) -> Callback<()> {
    let (office, ids, after) = (office.clone(), ids.clone(), after.clone());
    let (title, sector) = (title.trim().to_string(), sector.clone());
    Callback::from(move |()| {
        if title.is_empty() || ids.is_empty() || office.busy {
            return;
        }
        let token = office.token.clone();
        let body = NewNeed {
            title: title.clone(),
            sector: sector.clone(),
            description: String::new(),
            proposal_ids: ids.to_vec(),
        };
        let after = after.clone();
        office.act(
            "office.done.merged",
            async move { office::send("POST", &token, "/api/needs", Some(&body)).await },
            move |done| after.emit(done),
        );
    })
}

/// What the merge dialog starts from, for the selected proposals among `rows`: the shortest
/// problem (or solution, when the problem is blank) as the title, and the sector when they all
/// share it. `None` when nothing is selected.
pub fn merge_defaults<'a>(
    rows: impl Iterator<Item = &'a OfficeProposal>,
    ids: &[Uuid],
) -> Option<(String, Option<Sector>)> {
    if ids.is_empty() {
        return None;
    }
    let chosen: Vec<&OfficeProposal> = rows.filter(|r| ids.contains(&r.id)).collect();
    let title = chosen
        .iter()
        .map(|p| {
            if p.problem.trim().is_empty() {
                &p.solution
            } else {
                &p.problem
            }
        })
        .min_by_key(|t| t.chars().count())
        .cloned()
        .unwrap_or_default();
    let sector = chosen.first().and_then(|p| p.sector.clone());
    let sector = sector.filter(|s| chosen.iter().all(|p| p.sector.as_ref() == Some(s)));
    Some((title, sector))
}
