//! The proposals screen's shortcuts: j/k (or the arrows) move the cursor, x ticks its row,
//! X a range, * every row shown, / goes to the search box, m, a and r act on the selection,
//! o (or Enter) opens the row's need, l shows its lineage, Esc closes or clears.

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use uuid::Uuid;
use web_sys::KeyboardEvent;
use yew::prelude::*;

use super::Dialog;
use super::selection::{Select, Selection};
use crate::pages::office::{focus_test_id, scroll_to_cursor, use_keys};
use crate::route::{Navigator, Route};

/// What the shortcuts read and act on, as of this render.
pub struct ProposalKeys {
    /// The cursor's row, within the rows shown.
    pub cursor: usize,
    /// The ids of the rows shown, top to bottom.
    pub order: Rc<Vec<Uuid>>,
    pub need_at_cursor: Option<i64>,
    pub read_only: bool,
    pub selection: UseReducerDispatcher<Selection>,
    pub dialog: UseStateHandle<Dialog>,
    pub lineage_of: UseStateHandle<Option<Uuid>>,
    pub open_merge: Callback<()>,
    pub open_add: Callback<()>,
    pub move_to: Callback<Option<i64>>,
    pub navigator: Option<Navigator>,
}

#[hook]
pub fn use_proposal_keys(k: ProposalKeys) {
    let ProposalKeys {
        cursor: cur,
        order,
        need_at_cursor,
        read_only,
        selection,
        dialog,
        lineage_of,
        open_merge,
        open_add,
        move_to,
        navigator,
    } = k;
    let n = order.len();
    let id_at_cursor = order.get(cur).copied();
    use_keys(Callback::from(move |e: KeyboardEvent| {
        let go = |to: usize| {
            selection.dispatch(Select::Cursor(to));
            if lineage_of.is_some() {
                lineage_of.set(order.get(to).copied());
            }
            // After the render that moves the highlight.
            Timeout::new(0, scroll_to_cursor).forget();
        };
        let toggle = |range: bool| Select::Toggle {
            order: order.clone(),
            at: cur,
            range,
        };
        match e.key().as_str() {
            "j" | "ArrowDown" if n > 0 => go((cur + 1).min(n - 1)),
            "k" | "ArrowUp" if n > 0 => go(cur.saturating_sub(1)),
            "/" => focus_test_id("proposal-search"),
            "x" if !read_only => selection.dispatch(toggle(false)),
            "X" if !read_only => selection.dispatch(toggle(true)),
            "*" if !read_only => selection.dispatch(Select::ToggleAll {
                order: order.clone(),
            }),
            "m" if !read_only => open_merge.emit(()),
            "a" if !read_only => open_add.emit(()),
            "r" if !read_only => move_to.emit(None),
            "o" | "Enter" => match need_at_cursor {
                Some(id) => {
                    if let Some(nav) = &navigator {
                        nav.push(&Route::OfficeNeed { id });
                    }
                }
                None => return,
            },
            "l" => lineage_of.set(if lineage_of.is_some() {
                None
            } else {
                id_at_cursor
            }),
            "Escape" => {
                if lineage_of.is_some() {
                    lineage_of.set(None);
                } else if *dialog != Dialog::None {
                    dialog.set(Dialog::None);
                } else {
                    selection.dispatch(Select::Clear);
                }
            }
            _ => return,
        }
        e.prevent_default();
    }));
}
