//! What the changes since some heads touched, part by part: the server re-projects only those
//! parts of a session (the server's `documents::projection`).
//!
//! Read from the new changes' operations, each placed by the object it writes to, so the
//! answer is an over-estimate (a write that loses a conflict still counts) and never misses a
//! part whose value [`SessionDoc::read`] could see change. A part of a session is what `read`
//! gets from one place of the document: a proposal from its entry in `proposals` (the key and
//! the map under it), the attendance from `attendance`, and so on.

use std::collections::{BTreeSet, HashMap};

use automerge::legacy::{Key, ObjectId};

use super::*;

/// The parts of a session that changes touched (see [`SessionDoc::touched_since`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Something a part-wise re-read cannot stand for: the root's own fields (`schema`, `id`,
    /// `type`), a container of `read` put or removed (`meta`, `proposals`...), or an object
    /// that could not be placed. Read the whole document.
    pub whole: bool,
    /// `meta` or anything under it (the douars' order included).
    pub meta: bool,
    pub douars: bool,
    pub attendance: bool,
    pub notes: bool,
    /// Any of the `associations` maps, or one of them put at the root (see `root_maps`).
    pub associations: bool,
    pub photos: bool,
    pub corrections: bool,
    /// Keys of the proposals map whose entry, or anything under it, was written.
    pub proposals: BTreeSet<String>,
    /// Of those, the keys written themselves (an entry put, replaced or removed), not only
    /// the fields of the map under them: whether the key existed before is not known.
    pub proposal_keys: BTreeSet<String>,
}

/// The containers `read` takes from the root, each one value (a second one put there would
/// replace what `read` sees wholesale).
const ROOT_WHOLE: &[&str] = &[
    "schema",
    "type",
    "id",
    "meta",
    "douars",
    "attendance",
    "proposals",
    "notes",
];

/// Where one object sits, found once per object.
#[derive(Clone)]
enum Place {
    /// Under a root key `read` does not read (a newer app's): no part of the session.
    Ignored,
    Whole,
    Meta,
    Douars,
    Attendance,
    Notes,
    Associations,
    Photos,
    Corrections,
    /// The proposals map itself: the entry is the op's key.
    ProposalsMap,
    /// An object under the proposal entry with this key.
    Proposal(String),
}

impl Touched {
    fn mark(&mut self, place: &Place, key: Option<&str>) {
        match place {
            Place::Ignored => {}
            Place::Whole => self.whole = true,
            Place::Meta => self.meta = true,
            Place::Douars => self.douars = true,
            Place::Attendance => self.attendance = true,
            Place::Notes => self.notes = true,
            Place::Associations => self.associations = true,
            Place::Photos => self.photos = true,
            Place::Corrections => self.corrections = true,
            Place::ProposalsMap => match key {
                Some(k) => {
                    self.proposals.insert(k.to_string());
                    self.proposal_keys.insert(k.to_string());
                }
                None => self.whole = true,
            },
            Place::Proposal(k) => {
                self.proposals.insert(k.clone());
            }
        }
    }

    /// `associations`, `photos` and `corrections` are read from every map put under their key
    /// (`root_maps`): another map put there adds to the part, like an entry.
    fn mark_root(&mut self, key: Option<&str>) {
        match key {
            Some(k) if ROOT_WHOLE.contains(&k) => self.whole = true,
            Some("associations") => self.associations = true,
            Some("photos") => self.photos = true,
            Some("corrections") => self.corrections = true,
            Some(_) => {}
            None => self.whole = true,
        }
    }
}

impl SessionDoc {
    /// The parts of the session that the changes made since `before` (heads this document
    /// had) wrote to. Costs the new changes' operations and one lookup per object they write.
    pub fn touched_since(&mut self, before: &[ChangeHash]) -> Touched {
        let mut touched = Touched::default();
        let mut places: HashMap<ObjectId, Place> = HashMap::new();
        for change in self.doc.get_changes(before) {
            for op in change.decode().operations {
                let key = match &op.key {
                    Key::Map(k) => Some(k.as_str()),
                    Key::Seq(_) => None,
                };
                if op.obj == ObjectId::Root {
                    touched.mark_root(key);
                } else {
                    let place = match places.get(&op.obj) {
                        Some(place) => place.clone(),
                        None => {
                            let place = self.place_of(&op.obj);
                            places.insert(op.obj.clone(), place.clone());
                            place
                        }
                    };
                    touched.mark(&place, key);
                }
                if touched.whole {
                    return touched;
                }
            }
        }
        touched
    }

    /// The part of the session an object belongs to, by the root key above it (and the
    /// proposal entry, for one under `proposals`), whether or not it won its place.
    fn place_of(&self, obj: &ObjectId) -> Place {
        let Ok(id) = self.doc.import_obj(&obj.to_string()) else {
            return Place::Whole;
        };
        let Ok(parents) = self.doc.parents(&id) else {
            return Place::Whole;
        };
        let path = parents.path();
        let root_key = match path.first() {
            Some((_, automerge::Prop::Map(k))) => k.as_str(),
            _ => return Place::Whole,
        };
        let depth = path.len();
        match root_key {
            "meta" => Place::Meta,
            "douars" => Place::Douars,
            "attendance" => Place::Attendance,
            "notes" => Place::Notes,
            "associations" => Place::Associations,
            "photos" => Place::Photos,
            "corrections" => Place::Corrections,
            "proposals" if depth == 1 => Place::ProposalsMap,
            "proposals" => match &path[1].1 {
                automerge::Prop::Map(k) => Place::Proposal(k.clone()),
                automerge::Prop::Seq(_) => Place::Whole,
            },
            k if ROOT_WHOLE.contains(&k) => Place::Whole,
            _ => Place::Ignored,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::tests::new_session;

    fn input(problem: &str) -> ProposalInput {
        ProposalInput {
            problem: problem.into(),
            ..ProposalInput::default()
        }
    }

    #[test]
    fn each_edit_touches_its_part_only() {
        let ctx = EditCtx::new("fatima", 1_700_000_000_000);
        let mut doc = SessionDoc::create(Uuid::new_v4(), &new_session(), &ctx, None).unwrap();
        let kept = doc.add_proposal(&input("kept"), &ctx).unwrap();
        let mut edit = |f: &dyn Fn(&mut SessionDoc)| {
            let before = doc.heads();
            f(&mut doc);
            doc.touched_since(&before)
        };

        let added = std::cell::Cell::new(None);
        let t = edit(&|d| added.set(Some(d.add_proposal(&input("new"), &ctx).unwrap())));
        let key = added.get().unwrap().to_string();
        assert_eq!(t.proposals, BTreeSet::from([key.clone()]));
        assert_eq!(t.proposal_keys, BTreeSet::from([key]));
        assert!(!t.whole && !t.meta && !t.attendance && !t.notes);

        let t = edit(&|d| d.add_votes(kept, 1, &ctx).unwrap());
        assert_eq!(t.proposals, BTreeSet::from([kept.to_string()]));
        assert!(t.proposal_keys.is_empty());

        let t = edit(&|d| {
            d.add_attendance(AttendanceCategory::Women, 2, &ctx)
                .unwrap()
        });
        assert_eq!(
            t,
            Touched {
                attendance: true,
                ..Touched::default()
            }
        );
        let t = edit(&|d| d.set_notes("notes", &ctx).unwrap());
        assert!(t.notes && t.proposals.is_empty() && !t.meta);
        let t = edit(&|d| d.close(&ctx).unwrap());
        assert!(t.meta && !t.whole);
        let t = edit(&|d| {
            d.add_association("جمعية", 3, &ctx).unwrap();
        });
        assert!(t.associations && !t.whole);
        // A container `read` takes whole, put again: nothing part by part can stand for it.
        let t = edit(&|d| {
            d.automerge_mut()
                .put_object(automerge::ROOT, "attendance", ObjType::Map)
                .unwrap();
            d.automerge_mut().commit();
        });
        assert!(t.whole);
    }
}
