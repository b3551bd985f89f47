//! Moving a proposal by dragging its handle, with a finger, a pen or a mouse (pointer events).
//!
//! Only the handle starts a drag, and only the handle has `touch-action: none`: a finger
//! anywhere else on the list scrolls it as usual. The list listens (one set of listeners for
//! every card); while the finger moves, the card follows it and a line shows where it will
//! land, both by touching the DOM directly (no re-render of hundreds of cards per move, and
//! no `style` attribute, which the Content-Security-Policy forbids; CSSOM writes are allowed).
//! The drop is one write: the proposal's new place ([`SessionDoc::move_proposal_to`]).
//!
//! [`SessionDoc::move_proposal_to`]: tachkhis_shared::SessionDoc::move_proposal_to

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, PointerEvent};

/// Within this distance (CSS px) of the window's top or bottom edge, the page scrolls.
const EDGE_PX: f64 = 72.0;
/// How far it scrolls per tick (every 30 ms).
const SCROLL_STEP_PX: f64 = 14.0;

/// A drag going on.
pub struct Drag {
    pid: Uuid,
    pointer: i32,
    list: HtmlElement,
    card: HtmlElement,
    /// Where the pointer went down, from the list's top (the list may scroll under it).
    start_y: f64,
    /// The pointer's last position in the window.
    client_y: f64,
    /// The other cards, top to bottom: their id, element and middle from the list's top.
    others: Vec<(Uuid, HtmlElement, f64)>,
    /// Scrolls the page while the finger rests near an edge (no move event comes then).
    _scroll: Option<Interval>,
}

pub type DragCell = Rc<RefCell<Option<Drag>>>;

/// Where a drop lands: between the card above (`after`) and the card below (`before`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drop {
    pub moved: Uuid,
    pub after: Option<Uuid>,
    pub before: Option<Uuid>,
}

impl Drop {
    /// The moved proposal's new place among `order` (every live proposal, the group's order,
    /// the moved one included), as `move_proposal_to` takes it. Cards not drawn (a form open
    /// in their place) do not matter: the drop is next to the cards it fell between.
    pub fn position(&self, order: &[Uuid]) -> Option<usize> {
        let others: Vec<Uuid> = order.iter().copied().filter(|p| *p != self.moved).collect();
        let index = |id: Uuid| others.iter().position(|p| *p == id);
        match (self.before, self.after) {
            (Some(b), _) => index(b),
            (None, Some(a)) => index(a).map(|i| i + 1),
            (None, None) => Some(0),
        }
    }
}

fn client_y(e: &PointerEvent) -> f64 {
    f64::from(e.client_y())
}

fn list_top(list: &HtmlElement) -> f64 {
    list.get_bounding_client_rect().top()
}

fn set_transform(card: &HtmlElement, dy: f64) {
    let style = card.style();
    if dy == 0.0 {
        let _ = style.remove_property("transform");
    } else {
        let _ = style.set_property("transform", &format!("translateY({dy}px)"));
    }
}

fn mark(el: &Element, class: &str, on: bool) {
    let list = el.class_list();
    let _ = if on {
        list.add_1(class)
    } else {
        list.remove_1(class)
    };
}

/// A pointer went down in the list: starts a drag when it is on a card's handle. Returns
/// whether it did (the event is then the drag's).
pub fn start(cell: &DragCell, e: &PointerEvent) -> bool {
    if cell.borrow().is_some() || (e.pointer_type() == "mouse" && e.button() != 0) {
        return false;
    }
    let Some(target) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return false;
    };
    let Ok(Some(handle)) = target.closest("[data-drag]") else {
        return false;
    };
    let Some(pid) = handle
        .get_attribute("data-drag")
        .and_then(|v| Uuid::parse_str(&v).ok())
    else {
        return false;
    };
    let Some(list) = e
        .current_target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
    else {
        return false;
    };
    let Ok(Some(card)) = handle.closest("li[data-id]") else {
        return false;
    };
    let Ok(card) = card.dyn_into::<HtmlElement>() else {
        return false;
    };
    // The pointer's events now come to the handle (and bubble to the list) wherever it goes.
    let _ = handle.set_pointer_capture(e.pointer_id());
    let top = list_top(&list);
    let mut others = Vec::new();
    if let Ok(items) = list.query_selector_all("li[data-test=proposal][data-id]") {
        for i in 0..items.length() {
            let Some(el) = items.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) else {
                continue;
            };
            let Some(id) = el
                .get_attribute("data-id")
                .and_then(|v| Uuid::parse_str(&v).ok())
            else {
                continue;
            };
            if id == pid {
                continue;
            }
            let rect = el.get_bounding_client_rect();
            others.push((id, el, rect.top() - top + rect.height() / 2.0));
        }
    }
    mark(&card, "dragging", true);
    mark(&list, "drag-active", true);
    let client_y = client_y(e);
    let scroll = {
        let cell = cell.clone();
        Interval::new(30, move || edge_scroll(&cell))
    };
    *cell.borrow_mut() = Some(Drag {
        pid,
        pointer: e.pointer_id(),
        start_y: client_y - top,
        client_y,
        list,
        card,
        others,
        _scroll: Some(scroll),
    });
    true
}

/// The drop as it stands: the cards whose middles are above the pointer stay above.
fn landing(drag: &Drag) -> (usize, Drop) {
    let y = drag.client_y - list_top(&drag.list);
    let k = drag.others.iter().filter(|(_, _, mid)| *mid < y).count();
    let drop = Drop {
        moved: drag.pid,
        after: k.checked_sub(1).map(|i| drag.others[i].0),
        before: drag.others.get(k).map(|o| o.0),
    };
    (k, drop)
}

/// Draws the drag as it stands: the card under the finger, the line where it would land.
fn draw(drag: &Drag) {
    let y = drag.client_y - list_top(&drag.list);
    set_transform(&drag.card, y - drag.start_y);
    let (k, _) = landing(drag);
    for (i, (_, el, _)) in drag.others.iter().enumerate() {
        mark(el, "drop-before", i == k);
        mark(el, "drop-after", k == drag.others.len() && i + 1 == k);
    }
}

fn edge_scroll(cell: &DragCell) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let height = window
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0);
    let borrowed = cell.borrow();
    let Some(drag) = borrowed.as_ref() else {
        return;
    };
    let step = if drag.client_y < EDGE_PX {
        -SCROLL_STEP_PX
    } else if drag.client_y > height - EDGE_PX {
        SCROLL_STEP_PX
    } else {
        return;
    };
    window.scroll_by_with_x_and_y(0.0, step);
    draw(drag);
}

/// The pointer moved: the card follows.
pub fn moved(cell: &DragCell, e: &PointerEvent) {
    let mut borrowed = cell.borrow_mut();
    let Some(drag) = borrowed.as_mut().filter(|d| d.pointer == e.pointer_id()) else {
        return;
    };
    e.prevent_default();
    drag.client_y = client_y(e);
    draw(drag);
}

/// Ends the drag and puts everything back as drawn by the list; the drop when the pointer was
/// lifted (`lifted`), none when the browser took the pointer away.
pub fn end(cell: &DragCell, e: &PointerEvent, lifted: bool) -> Option<Drop> {
    let drag = {
        let mut borrowed = cell.borrow_mut();
        if borrowed
            .as_ref()
            .is_none_or(|d| d.pointer != e.pointer_id())
        {
            return None;
        }
        borrowed.take()?
    };
    let mut drag = drag;
    if lifted {
        drag.client_y = client_y(e);
    }
    let (_, drop) = landing(&drag);
    set_transform(&drag.card, 0.0);
    mark(&drag.card, "dragging", false);
    mark(&drag.list, "drag-active", false);
    for (_, el, _) in &drag.others {
        mark(el, "drop-before", false);
        mark(el, "drop-after", false);
    }
    lifted.then_some(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drop_lands_between_the_cards_it_fell_between() {
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
        let drop = |moved: usize, after: Option<usize>, before: Option<usize>| Drop {
            moved: ids[moved],
            after: after.map(|i| ids[i]),
            before: before.map(|i| ids[i]),
        };
        // The last dragged to the top, the first to the end, one into the middle.
        assert_eq!(drop(4, None, Some(0)).position(&ids), Some(0));
        assert_eq!(drop(0, Some(4), None).position(&ids), Some(4));
        assert_eq!(drop(0, Some(2), Some(3)).position(&ids), Some(2));
        assert_eq!(drop(3, Some(0), Some(1)).position(&ids), Some(1));
        // Dropped where it was.
        assert_eq!(drop(2, Some(1), Some(3)).position(&ids), Some(2));
        // The card below is drawn but the one above is not (a form open there): the card
        // below decides.
        assert_eq!(drop(4, None, Some(2)).position(&ids), Some(2));
        // A card gone meanwhile (deleted on another tablet): no move.
        let mut fewer = ids.clone();
        fewer.remove(1);
        assert_eq!(drop(4, Some(0), Some(1)).position(&fewer), None);
    }
}
