//! The proposals table's selection: the ticked rows, the keyboard cursor, and the anchor of a
//! shift range. A reducer, so every rule below is tested on the host.
//!
//! Rows are named by their place in the table as shown (`order`, the ids top to bottom), which
//! the page passes with each action: sorting or refetching changes the order, not the ticks.
//! A change of filter keeps the ticks (hidden rows stay ticked and the bulk actions include
//! them) and puts the cursor back on the first row ([`Select::Cursor`]`(0)`).

use std::collections::BTreeSet;
use std::rc::Rc;

use uuid::Uuid;
use yew::Reducible;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// The ticked proposals.
    pub ids: BTreeSet<Uuid>,
    /// The row under the keyboard cursor, as last set (see [`Selection::cursor`]).
    cursor: usize,
    /// The row last ticked or unticked: where a shift range starts.
    anchor: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Select {
    /// Ticks or unticks row `at`; with `range`, every row from the anchor to `at` takes the
    /// anchor row's state instead (no anchor yet: `at` alone). The cursor and the anchor move
    /// to `at`. A row past the end changes nothing.
    Toggle {
        order: Rc<Vec<Uuid>>,
        at: usize,
        range: bool,
    },
    /// Ticks every row shown, or unticks them all when they all are ticked already.
    ToggleAll { order: Rc<Vec<Uuid>> },
    /// Unticks everything and forgets the anchor.
    Clear,
    /// Moves the keyboard cursor (j/k, a click on a row, a new filter).
    Cursor(usize),
}

impl Selection {
    /// The cursor's row among `rows` rows (the table may have shrunk since it was set).
    pub fn cursor(&self, rows: usize) -> usize {
        self.cursor.min(rows.saturating_sub(1))
    }

    /// True when there are rows and every one of them is ticked.
    pub fn all_of(&self, order: &[Uuid]) -> bool {
        !order.is_empty() && order.iter().all(|id| self.ids.contains(id))
    }

    pub fn apply(&mut self, action: Select) {
        match action {
            Select::Toggle { order, at, range } => {
                let Some(id) = order.get(at) else { return };
                match self.anchor.filter(|_| range) {
                    Some(a) => {
                        let on = order.get(a).is_some_and(|id| self.ids.contains(id));
                        let (from, to) = (a.min(at), a.max(at).min(order.len() - 1));
                        for id in &order[from..=to] {
                            if on {
                                self.ids.insert(*id);
                            } else {
                                self.ids.remove(id);
                            }
                        }
                    }
                    None => {
                        if !self.ids.remove(id) {
                            self.ids.insert(*id);
                        }
                    }
                }
                self.anchor = Some(at);
                self.cursor = at;
            }
            Select::ToggleAll { order } => {
                if self.all_of(&order) {
                    for id in order.iter() {
                        self.ids.remove(id);
                    }
                } else {
                    self.ids.extend(order.iter().copied());
                }
            }
            Select::Clear => {
                self.ids.clear();
                self.anchor = None;
            }
            Select::Cursor(at) => self.cursor = at,
        }
    }
}

impl Reducible for Selection {
    type Action = Select;

    fn reduce(self: Rc<Self>, action: Select) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        next.apply(action);
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(n: u128) -> Rc<Vec<Uuid>> {
        Rc::new((1..=n).map(Uuid::from_u128).collect())
    }

    fn toggle(order: &Rc<Vec<Uuid>>, at: usize, range: bool) -> Select {
        Select::Toggle {
            order: order.clone(),
            at,
            range,
        }
    }

    /// The ticked rows, as their places in `order`.
    fn ticked(s: &Selection, order: &[Uuid]) -> Vec<usize> {
        (0..order.len())
            .filter(|i| s.ids.contains(&order[*i]))
            .collect()
    }

    #[test]
    fn a_tick_toggles_one_row_and_moves_cursor_and_anchor() {
        let rows = order(5);
        let mut s = Selection::default();
        s.apply(toggle(&rows, 2, false));
        assert_eq!(ticked(&s, &rows), [2]);
        assert_eq!((s.cursor(5), s.anchor), (2, Some(2)));
        s.apply(toggle(&rows, 4, false));
        assert_eq!(ticked(&s, &rows), [2, 4]);
        s.apply(toggle(&rows, 2, false));
        assert_eq!(ticked(&s, &rows), [4]);
        assert_eq!((s.cursor(5), s.anchor), (2, Some(2)));
    }

    #[test]
    fn a_shift_range_takes_the_state_of_the_anchor_row() {
        let rows = order(8);
        let mut s = Selection::default();
        s.apply(toggle(&rows, 1, false));
        // Downwards: 1 is ticked, so 1..=4 are.
        s.apply(toggle(&rows, 4, true));
        assert_eq!(ticked(&s, &rows), [1, 2, 3, 4]);
        assert_eq!((s.cursor(8), s.anchor), (4, Some(4)));
        // Upwards from an unticked anchor: 6 is unticked, so 2..=6 are.
        s.apply(toggle(&rows, 6, false));
        s.apply(toggle(&rows, 6, false));
        s.apply(toggle(&rows, 2, true));
        assert_eq!(ticked(&s, &rows), [1]);
        // A range on the anchor itself leaves it as it is.
        s.apply(toggle(&rows, 2, true));
        assert_eq!(ticked(&s, &rows), [1]);
    }

    #[test]
    fn a_shift_tick_without_anchor_ticks_one_row() {
        let rows = order(4);
        let mut s = Selection::default();
        s.apply(toggle(&rows, 3, true));
        assert_eq!(ticked(&s, &rows), [3]);
        // Cleared: the anchor goes with the ticks.
        s.apply(Select::Clear);
        assert!(s.ids.is_empty());
        s.apply(toggle(&rows, 1, true));
        assert_eq!(ticked(&s, &rows), [1]);
    }

    #[test]
    fn an_anchor_past_a_shorter_table_unticks_up_to_its_end() {
        let long = order(10);
        let mut s = Selection::default();
        s.apply(toggle(&long, 8, false));
        // The filter changed: four rows now, the anchor (8) is past them, its state is "off".
        let short = Rc::new(long[..4].to_vec());
        s.apply(Select::ToggleAll {
            order: short.clone(),
        });
        s.apply(toggle(&short, 1, true));
        assert_eq!(ticked(&s, &short), [0]);
        // The row out of view stays ticked.
        assert!(s.ids.contains(&long[8]));
    }

    #[test]
    fn a_row_past_the_end_changes_nothing() {
        let rows = order(3);
        let mut s = Selection::default();
        s.apply(Select::Cursor(1));
        s.apply(toggle(&rows, 3, false));
        s.apply(toggle(&Rc::new(Vec::new()), 0, true));
        assert_eq!(s, {
            let mut t = Selection::default();
            t.apply(Select::Cursor(1));
            t
        });
    }

    #[test]
    fn all_visible_rows_tick_then_untick() {
        let all = order(6);
        let visible = Rc::new(all[2..5].to_vec());
        let mut s = Selection::default();
        s.apply(toggle(&all, 0, false));
        s.apply(toggle(&all, 3, false));
        assert!(!s.all_of(&visible));
        s.apply(Select::ToggleAll {
            order: visible.clone(),
        });
        assert_eq!(ticked(&s, &all), [0, 2, 3, 4]);
        assert!(s.all_of(&visible));
        // All ticked already: unticks the visible ones, keeps the others.
        s.apply(Select::ToggleAll {
            order: visible.clone(),
        });
        assert_eq!(ticked(&s, &all), [0]);
        // No rows: "all ticked" is false, and ticking all does nothing.
        assert!(!s.all_of(&[]));
        s.apply(Select::ToggleAll {
            order: Rc::new(Vec::new()),
        });
        assert_eq!(ticked(&s, &all), [0]);
    }

    #[test]
    fn the_cursor_stays_on_the_table() {
        let mut s = Selection::default();
        assert_eq!(s.cursor(0), 0);
        s.apply(Select::Cursor(7));
        assert_eq!(s.cursor(10), 7);
        assert_eq!(s.cursor(3), 2, "the table shrank under the cursor");
        assert_eq!(s.cursor(0), 0);
        // A new filter puts it back on top and keeps the ticks.
        let rows = order(9);
        s.apply(toggle(&rows, 5, false));
        s.apply(Select::Cursor(0));
        assert_eq!((s.cursor(9), ticked(&s, &rows)), (0, vec![5]));
    }

    #[test]
    fn the_reducer_applies_the_same_rules() {
        let rows = order(4);
        let s = Rc::new(Selection::default());
        let s = s.reduce(toggle(&rows, 0, false));
        let s = s.reduce(toggle(&rows, 2, true));
        assert_eq!(ticked(&s, &rows), [0, 1, 2]);
        let s = s.reduce(Select::Clear);
        assert!(s.ids.is_empty());
    }
}
