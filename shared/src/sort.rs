//! One sort routine for the app's own lists. The standard `sort_by` is copied into the wasm for
//! every element type and comparator it is called with (1.5 to 5 KB each: driftsort, its
//! partitions and small sorts); the tablets' bundle had a dozen such copies of ours. These sort
//! the positions `0..len` with the comparator behind `&dyn`, which is one copy in all, then move
//! the items into that order with swaps. The lists are small (a session's proposals, a tablet's
//! sessions, a catalogue): the indirection costs nothing that matters.

use std::cmp::Ordering;

/// Sorts `items` by `cmp`, stably (equal items keep their order), like `slice::sort_by`.
pub fn sort_by<T>(items: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    let order = sorted_positions(items.len(), &|a, b| cmp(&items[a], &items[b]));
    // items[i] must become the item that was at order[i]. Positions before i are done; the item
    // first at order[i] was moved on by earlier swaps along order[], so follow it there.
    for i in 0..order.len() {
        let mut from = order[i];
        while from < i {
            from = order[from];
        }
        items.swap(i, from);
    }
}

/// Sorts `items` in their natural order (stably, which is also a valid unstable sort).
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// The positions `0..len` in the order `cmp` puts them: the only instantiation of the standard
/// sort behind [`sort_by`], whatever `T`.
fn sorted_positions(len: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The same result as the standard stable sort, equal keys included: (key, tag) pairs
        /// compared on the key only, so a swapped pair of equal keys shows in the tags.
        #[test]
        fn sorts_like_the_standard_stable_sort(items in proptest::collection::vec((0u8..6, any::<u16>()), 0..80)) {
            let mut ours = items.clone();
            let mut std_sorted = items;
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            std_sorted.sort_by_key(|a| a.0);
            prop_assert_eq!(ours, std_sorted);
        }

        #[test]
        fn sorts_in_reverse_and_naturally(items in proptest::collection::vec(any::<i32>(), 0..80)) {
            let mut ours = items.clone();
            let mut expected = items.clone();
            sort_by(&mut ours, |a, b| b.cmp(a));
            expected.sort_by(|a, b| b.cmp(a));
            prop_assert_eq!(&ours, &expected);
            let mut ours = items.clone();
            let mut expected = items;
            sort(&mut ours);
            expected.sort();
            prop_assert_eq!(ours, expected);
        }
    }

    #[test]
    fn moves_owned_items_without_losing_any() {
        let mut words: Vec<String> = ["ج", "b", "a", "ب", "c", "أ"].map(String::from).into();
        sort(&mut words);
        assert_eq!(words, ["a", "b", "c", "أ", "ب", "ج"]);
        let mut none: Vec<String> = Vec::new();
        sort(&mut none);
        assert!(none.is_empty());
    }
}
