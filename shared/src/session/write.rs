//! Every write to a session document: one Automerge change per user action, committed with
//! the author and the time (see [`EditCtx`]).

use super::read::{read_douars, read_meta};
use super::*;

/// The space between two proposals' ranks when a rank is made (a new proposal below the last,
/// ranks spread out again): many moves between two neighbours before the room runs out.
const RANK_STEP: f64 = 1000.0;

impl SessionDoc {
    /// Creates the document of a new session: its genesis change holds every container, so
    /// that later edits from any tablet land in the same objects.
    pub fn create(
        id: Uuid,
        init: &NewSession,
        ctx: &EditCtx,
        actor: Option<ActorId>,
    ) -> Result<Self, DocError> {
        Self::create_with_details(id, init, &SessionDetails::default(), ctx, actor)
    }

    /// [`Self::create`] with the v2 details (times, place, note-taker) filled in at once.
    pub fn create_with_details(
        id: Uuid,
        init: &NewSession,
        details: &SessionDetails,
        ctx: &EditCtx,
        actor: Option<ActorId>,
    ) -> Result<Self, DocError> {
        if init.pole_id.trim().is_empty() {
            return Err(DocError::Invalid("a session needs a pole".into()));
        }
        validate_date(&init.date).map_err(DocError::Invalid)?;
        check_len("facilitators", &init.facilitators, MAX_NAME_CHARS)?;
        details.validate()?;
        let mut doc = AutoCommit::new();
        if let Some(actor) = actor {
            doc.set_actor(actor);
        }
        doc.put(automerge::ROOT, "schema", ScalarValue::Uint(SCHEMA_VERSION))?;
        doc.put(automerge::ROOT, "type", DOC_TYPE)?;
        doc.put(automerge::ROOT, "id", id.to_string())?;
        let meta = doc.put_object(automerge::ROOT, "meta", ObjType::Map)?;
        doc.put(&meta, "pole_id", init.pole_id.as_str())?;
        doc.put(&meta, "group_kind", init.group_kind.code())?;
        doc.put(&meta, "date", init.date.as_str())?;
        doc.put(&meta, "facilitators", init.facilitators.as_str())?;
        doc.put(&meta, "created_at", init_ms(ctx))?;
        doc.put(&meta, "created_by", ctx.author.as_str())?;
        doc.put(&meta, "closed_at", ScalarValue::Null)?;
        doc.put(&meta, "start_time", opt_str(details.start_time.as_deref()))?;
        doc.put(&meta, "end_time", opt_str(details.end_time.as_deref()))?;
        doc.put(&meta, "place", details.place.as_str())?;
        doc.put(&meta, "note_taker", details.note_taker.as_str())?;
        let order = doc.put_object(&meta, "douar_order", ObjType::List)?;
        for (i, d) in init.douar_ids.iter().enumerate() {
            doc.insert(&order, i, d.as_str())?;
        }
        let douars = doc.put_object(automerge::ROOT, "douars", ObjType::Map)?;
        for d in &init.douar_ids {
            doc.put(&douars, d.as_str(), true)?;
        }
        let attendance = doc.put_object(automerge::ROOT, "attendance", ObjType::Map)?;
        for c in AttendanceCategory::ALL {
            doc.put(&attendance, c.code(), ScalarValue::counter(0))?;
        }
        doc.put_object(automerge::ROOT, "associations", ObjType::Map)?;
        doc.put_object(automerge::ROOT, "proposals", ObjType::Map)?;
        doc.put_object(automerge::ROOT, "notes", ObjType::Text)?;
        doc.commit_with(ctx.commit_options());
        Ok(Self { doc })
    }

    /// An empty document, to be filled by sync (a second tablet, or the server).
    pub fn empty(actor: Option<ActorId>) -> Self {
        let mut doc = AutoCommit::new();
        if let Some(actor) = actor {
            doc.set_actor(actor);
        }
        Self { doc }
    }

    pub fn load(bytes: &[u8], actor: Option<ActorId>) -> Result<Self, DocError> {
        let mut doc = AutoCommit::load(bytes).map_err(|e| DocError::Load(Box::new(e)))?;
        if let Some(actor) = actor {
            doc.set_actor(actor);
        }
        Ok(Self { doc })
    }

    pub fn from_automerge(doc: AutoCommit) -> Self {
        Self { doc }
    }

    pub fn automerge(&self) -> &AutoCommit {
        &self.doc
    }

    /// For the sync engine; changes through this bypass validation.
    pub fn automerge_mut(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    pub fn into_automerge(self) -> AutoCommit {
        self.doc
    }

    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    pub fn save_incremental(&mut self) -> Vec<u8> {
        self.doc.save_incremental()
    }

    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// True while the document has no change at all (an empty shell awaiting sync).
    pub fn is_empty(&mut self) -> bool {
        self.doc.get_heads().is_empty()
    }

    /// Merges another replica of the same session (a file from another tablet).
    pub fn merge(&mut self, other: &mut SessionDoc) -> Result<(), DocError> {
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    pub(super) fn obj(&self, parent: &ObjId, key: &str) -> Result<ObjId, DocError> {
        match self.doc.get(parent, key)? {
            Some((Value::Object(_), id)) => Ok(id),
            _ => Err(schema_err(key, "missing object").into()),
        }
    }

    pub(super) fn proposal_obj(&self, id: Uuid) -> Result<ObjId, DocError> {
        let proposals = self.obj(&automerge::ROOT, "proposals")?;
        match self.doc.get(&proposals, id.to_string())? {
            Some((Value::Object(ObjType::Map), obj)) => Ok(obj),
            _ => Err(DocError::UnknownProposal(id)),
        }
    }

    /// Adds a proposal and returns its id. It comes last in the group's order
    /// ([`Self::rank_for_new`]).
    pub fn add_proposal(&mut self, input: &ProposalInput, ctx: &EditCtx) -> Result<Uuid, DocError> {
        self.add_proposal_with_id(Uuid::new_v4(), input, ctx)
    }

    pub fn add_proposal_with_id(
        &mut self,
        id: Uuid,
        input: &ProposalInput,
        ctx: &EditCtx,
    ) -> Result<Uuid, DocError> {
        input.validate()?;
        // Before the new map exists: a half-written proposal would count as the lowest.
        let rank = self.rank_for_new()?;
        let proposals = self.obj(&automerge::ROOT, "proposals")?;
        if self.doc.get(&proposals, id.to_string())?.is_some() {
            return Err(DocError::Invalid(format!(
                "a proposal with id {id} already exists"
            )));
        }
        let p = self
            .doc
            .put_object(&proposals, id.to_string(), ObjType::Map)?;
        self.doc.put(&p, "problem", input.problem.as_str())?;
        self.doc.put(&p, "solution", input.solution.as_str())?;
        self.doc.put(
            &p,
            "sector",
            opt_str(input.sector.as_ref().map(Sector::code)),
        )?;
        self.doc
            .put(&p, "douar_id", opt_str(input.douar_id.as_deref()))?;
        self.doc.put(&p, "raised_by", input.raised_by.as_str())?;
        self.doc.put(&p, "created_at", init_ms(ctx))?;
        self.doc.put(&p, "created_by", ctx.author.as_str())?;
        self.doc.put(&p, "deleted", false)?;
        self.doc.put(&p, "rank", rank)?;
        self.doc.put(&p, "votes", ScalarValue::counter(0))?;
        self.doc.put(&p, "edited_at", ctx.now_ms)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(id)
    }

    /// Writes only the fields that differ, so that two tablets editing different fields of one
    /// proposal both keep their edit.
    pub fn update_proposal(
        &mut self,
        id: Uuid,
        input: &ProposalInput,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        input.validate()?;
        let obj = self.proposal_obj(id)?;
        let current = self.read_proposal(id, &obj).map_err(DocError::Schema)?;
        let mut changed = false;
        if current.problem != input.problem {
            self.doc.put(&obj, "problem", input.problem.as_str())?;
            changed = true;
        }
        if current.solution != input.solution {
            self.doc.put(&obj, "solution", input.solution.as_str())?;
            changed = true;
        }
        if current.sector != input.sector {
            self.doc.put(
                &obj,
                "sector",
                opt_str(input.sector.as_ref().map(Sector::code)),
            )?;
            changed = true;
        }
        if current.douar_id != input.douar_id {
            self.doc
                .put(&obj, "douar_id", opt_str(input.douar_id.as_deref()))?;
            changed = true;
        }
        if current.raised_by != input.raised_by {
            self.doc.put(&obj, "raised_by", input.raised_by.as_str())?;
            changed = true;
        }
        if changed {
            self.doc.put(&obj, "edited_at", ctx.now_ms)?;
        }
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Deleting keeps the proposal (marked deleted) so that it can be restored.
    pub fn set_proposal_deleted(
        &mut self,
        id: Uuid,
        deleted: bool,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        let obj = self.proposal_obj(id)?;
        self.doc.put(&obj, "deleted", deleted)?;
        self.doc.put(&obj, "edited_at", ctx.now_ms)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    pub fn set_proposal_rank(
        &mut self,
        id: Uuid,
        rank: f64,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        if !rank.is_finite() {
            return Err(DocError::Invalid("rank must be a finite number".into()));
        }
        let obj = self.proposal_obj(id)?;
        self.doc.put(&obj, "rank", rank)?;
        self.doc.put(&obj, "edited_at", ctx.now_ms)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Moves a proposal one place up (`up`) or down among the proposals not deleted, as the
    /// group ranks them (see [`Self::move_proposal_to`]). Returns false when the proposal is
    /// already first (or last).
    pub fn move_proposal(&mut self, id: Uuid, up: bool, ctx: &EditCtx) -> Result<bool, DocError> {
        let live = self.live_ranks()?;
        let Some(i) = live.iter().position(|(pid, _)| *pid == id) else {
            return Err(DocError::UnknownProposal(id));
        };
        // `live` is highest rank first: "up" is towards index 0.
        let target = if up { i.checked_sub(1) } else { Some(i + 1) };
        match target.filter(|t| *t < live.len()) {
            Some(target) => self.move_proposal_to(id, target, ctx),
            None => Ok(false),
        }
    }

    /// Puts a proposal at `position` (0 = first) among the proposals not deleted, as the group
    /// ranks them: a drag and drop, or one step of the arrows. Only the moved proposal's rank
    /// changes (to a value between its new neighbours), so two tablets moving different
    /// proposals both keep their move; when the neighbours' ranks leave no room in between,
    /// the ranks of the live proposals are spread out again. A position past the end means
    /// last. Returns false when the proposal is already there.
    pub fn move_proposal_to(
        &mut self,
        id: Uuid,
        position: usize,
        ctx: &EditCtx,
    ) -> Result<bool, DocError> {
        let mut live = self.live_ranks()?;
        let Some(i) = live.iter().position(|(pid, _)| *pid == id) else {
            return Err(DocError::UnknownProposal(id));
        };
        let target = position.min(live.len() - 1);
        if target == i {
            return Ok(false);
        }
        let moved = live.remove(i);
        live.insert(target, moved);
        let above = target.checked_sub(1).map(|a| live[a].1);
        let below = live.get(target + 1).map(|b| b.1);
        let rank = match (above, below) {
            (Some(a), Some(b)) => a / 2.0 + b / 2.0,
            (None, Some(b)) => b + RANK_STEP,
            (Some(a), None) => a - RANK_STEP,
            (None, None) => return Ok(false),
        };
        let room =
            rank.is_finite() && above.is_none_or(|a| rank < a) && below.is_none_or(|b| rank > b);
        if room {
            self.set_proposal_rank(id, rank, ctx)?;
            return Ok(true);
        }
        self.spread_ranks(&live, id, ctx)?;
        Ok(true)
    }

    /// Writes `order` (highest first) with evenly spaced ranks below the current top, touching
    /// only the proposals whose rank changes; `changed` gets `edited_at`. One change.
    fn spread_ranks(
        &mut self,
        order: &[(Uuid, f64)],
        changed: Uuid,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        let top = order
            .iter()
            .map(|(_, r)| *r)
            .fold(f64::MIN, f64::max)
            .max(0.0);
        for (n, (pid, old)) in order.iter().enumerate() {
            let rank = top - RANK_STEP * n as f64;
            if *old != rank || *pid == changed {
                let obj = self.proposal_obj(*pid)?;
                self.doc.put(&obj, "rank", rank)?;
                if *pid == changed {
                    self.doc.put(&obj, "edited_at", ctx.now_ms)?;
                }
            }
        }
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// The rank of a proposal added now: one step below the lowest proposal not deleted (0
    /// for the first), so it comes last whatever the tablet's clock says. Two tablets adding
    /// at once pick the same rank; `read` then orders the two by id, both after the others.
    fn rank_for_new(&self) -> Result<f64, DocError> {
        // (Past -2^63 a step no longer changes the rank: the new one then ties with the
        // last and sorts by id; a move spreads the ranks out again.)
        let lowest = self.live_ranks()?.last().map(|(_, r)| *r);
        Ok(lowest.map_or(0.0, |low| low - RANK_STEP))
    }

    /// (id, rank) of the proposals not deleted, highest rank first (ties by id, as `read`).
    pub(super) fn live_ranks(&self) -> Result<Vec<(Uuid, f64)>, DocError> {
        let props = self.obj(&automerge::ROOT, "proposals")?;
        let mut out = Vec::new();
        for item in self.doc.map_range(&props, ..) {
            let Ok(pid) = Uuid::parse_str(&item.key) else {
                continue;
            };
            let obj = item.id();
            let p = self.read_proposal(pid, &obj)?;
            if !p.deleted {
                out.push((pid, p.rank));
            }
        }
        crate::sort::sort_by(&mut out, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(out)
    }

    pub fn add_votes(&mut self, id: Uuid, delta: i64, ctx: &EditCtx) -> Result<(), DocError> {
        let obj = self.proposal_obj(id)?;
        self.doc.increment(&obj, "votes", delta)?;
        self.doc.put(&obj, "edited_at", ctx.now_ms)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Adds `delta` (+1 or -1 from the steppers) to a category's counter.
    pub fn add_attendance(
        &mut self,
        category: AttendanceCategory,
        delta: i64,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        let att = self.obj(&automerge::ROOT, "attendance")?;
        self.doc.increment(&att, category.code(), delta)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// A count typed on the number pad: `typed` people where this tablet showed `shown`. Stored
    /// as the difference, an increment like a stepper's, so what another tablet counted at the
    /// same time still adds (a total typed over a stale screen would drop it). Returns the
    /// difference stored (0: nothing written).
    pub fn type_attendance(
        &mut self,
        category: AttendanceCategory,
        shown: i64,
        typed: i64,
        ctx: &EditCtx,
    ) -> Result<i64, DocError> {
        if !(0..=MAX_COUNT).contains(&typed) || !(0..=MAX_COUNT).contains(&shown) {
            return Err(DocError::Invalid(format!(
                "attendance.{}: {typed} is not a count of people",
                category.code()
            )));
        }
        let delta = typed - shown;
        if delta != 0 {
            self.add_attendance(category, delta, ctx)?;
        }
        Ok(delta)
    }

    /// Replaces the notes by `text`, as a minimal set of splices so concurrent typing merges.
    pub fn set_notes(&mut self, text: &str, ctx: &EditCtx) -> Result<(), DocError> {
        check_len("notes", text, MAX_NOTES_CHARS)?;
        let notes = self.obj(&automerge::ROOT, "notes")?;
        self.doc.update_text(&notes, text)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Changes metadata fields that differ (each a plain field, so two tablets changing two
    /// different fields both keep theirs); the douar set gains and loses only what changed.
    /// Reads only the metadata and the douars, not the proposals.
    pub fn update_meta(
        &mut self,
        init: &NewSession,
        details: &SessionDetails,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        if init.pole_id.trim().is_empty() {
            return Err(DocError::Invalid("a session needs a pole".into()));
        }
        validate_date(&init.date).map_err(DocError::Invalid)?;
        check_len("facilitators", &init.facilitators, MAX_NAME_CHARS)?;
        details.validate()?;
        let meta = self.obj(&automerge::ROOT, "meta")?;
        let current = read_meta(&self.doc, &meta)?;
        let current_douars = read_douars(&self.doc)?;
        if current.pole_id != init.pole_id {
            self.doc.put(&meta, "pole_id", init.pole_id.as_str())?;
        }
        if current.group_kind != init.group_kind {
            self.doc.put(&meta, "group_kind", init.group_kind.code())?;
        }
        if current.date != init.date {
            self.doc.put(&meta, "date", init.date.as_str())?;
        }
        if current.facilitators != init.facilitators {
            self.doc
                .put(&meta, "facilitators", init.facilitators.as_str())?;
        }
        let (old, new) = (&current.details, details);
        if old.start_time != new.start_time {
            self.doc
                .put(&meta, "start_time", opt_str(new.start_time.as_deref()))?;
        }
        if old.end_time != new.end_time {
            self.doc
                .put(&meta, "end_time", opt_str(new.end_time.as_deref()))?;
        }
        if old.place != new.place {
            self.doc.put(&meta, "place", new.place.as_str())?;
        }
        if old.note_taker != new.note_taker {
            self.doc.put(&meta, "note_taker", new.note_taker.as_str())?;
        }
        let douars = self.obj(&automerge::ROOT, "douars")?;
        for d in &current_douars {
            if !init.douar_ids.contains(d) {
                self.doc.delete(&douars, d.as_str())?;
            }
        }
        for d in &init.douar_ids {
            if !current_douars.contains(d) {
                self.doc.put(&douars, d.as_str(), true)?;
            }
        }
        if current_douars != init.douar_ids {
            self.put_douar_order(&init.douar_ids)?;
        }
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Closes the session; later edits are still accepted (and known as made after closing).
    /// Closing a closed session keeps the first closing time.
    pub fn close(&mut self, ctx: &EditCtx) -> Result<(), DocError> {
        let meta = self.obj(&automerge::ROOT, "meta")?;
        if opt_int(&self.doc, &meta, "closed_at", "meta.closed_at")?.is_some() {
            return Ok(());
        }
        self.doc.put(&meta, "closed_at", ctx.now_ms)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Every `key` map under the root (`associations`, `photos`): one in a document created
    /// with it; none in an older document until the first entry, or several when tablets
    /// added the first one concurrently (a conflict Automerge keeps). The winning map comes
    /// first; new entries go there.
    pub(super) fn root_maps(&self, key: &str) -> Result<Vec<ObjId>, DocError> {
        let winner = match self.doc.get(automerge::ROOT, key)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            Some(_) => return Err(schema_err(key, "expected a Map").into()),
            None => return Ok(Vec::new()),
        };
        let mut maps = vec![winner.clone()];
        for (value, id) in self.doc.get_all(automerge::ROOT, key)? {
            if matches!(value, Value::Object(ObjType::Map)) && id != winner {
                maps.push(id);
            }
        }
        Ok(maps)
    }

    pub(super) fn association_obj(&self, id: Uuid) -> Result<ObjId, DocError> {
        let key = id.to_string();
        for map in self.root_maps("associations")? {
            if let Some((Value::Object(ObjType::Map), obj)) = self.doc.get(&map, key.as_str())? {
                return Ok(obj);
            }
        }
        Err(DocError::UnknownAssociation(id))
    }

    /// Records an association or cooperative represented, with `count` members present.
    /// Two tablets adding the same name make two entries: both are shown, and either can be
    /// removed.
    pub fn add_association(
        &mut self,
        name: &str,
        count: i64,
        ctx: &EditCtx,
    ) -> Result<Uuid, DocError> {
        self.add_association_with_id(Uuid::new_v4(), name, count, ctx)
    }

    pub fn add_association_with_id(
        &mut self,
        id: Uuid,
        name: &str,
        count: i64,
        ctx: &EditCtx,
    ) -> Result<Uuid, DocError> {
        if name.trim().is_empty() {
            return Err(DocError::Invalid("an association needs a name".into()));
        }
        check_len("association name", name, MAX_NAME_CHARS)?;
        if count < 0 {
            return Err(DocError::Invalid("a count cannot be negative".into()));
        }
        if self.association_obj(id).is_ok() {
            return Err(DocError::Invalid(format!(
                "an association with id {id} already exists"
            )));
        }
        let map = match self.root_maps("associations")?.into_iter().next() {
            Some(map) => map,
            None => self
                .doc
                .put_object(automerge::ROOT, "associations", ObjType::Map)?,
        };
        let a = self.doc.put_object(&map, id.to_string(), ObjType::Map)?;
        self.doc.put(&a, "name", name)?;
        self.doc.put(&a, "count", ScalarValue::counter(count))?;
        self.doc.put(&a, "deleted", false)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(id)
    }

    /// Adds `delta` (+1 or -1 from the stepper) to an association's count.
    pub fn add_association_count(
        &mut self,
        id: Uuid,
        delta: i64,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        let obj = self.association_obj(id)?;
        self.doc.increment(&obj, "count", delta)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    pub fn rename_association(
        &mut self,
        id: Uuid,
        name: &str,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        if name.trim().is_empty() {
            return Err(DocError::Invalid("an association needs a name".into()));
        }
        check_len("association name", name, MAX_NAME_CHARS)?;
        let obj = self.association_obj(id)?;
        self.doc.put(&obj, "name", name)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Removing keeps the entry (marked) so that it can be restored.
    pub fn set_association_deleted(
        &mut self,
        id: Uuid,
        deleted: bool,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        let obj = self.association_obj(id)?;
        self.doc.put(&obj, "deleted", deleted)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Changes one or more of the v2 details on top of what the document holds now (so that
    /// a field another tablet changed meanwhile is not written back).
    pub fn update_details(
        &mut self,
        change: impl FnOnce(&mut SessionDetails),
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        let (meta, douars) = self.read_meta()?;
        let mut details = meta.details.clone();
        change(&mut details);
        self.update_meta(&meta.opening(&douars), &details, ctx)
    }
}

impl SessionDoc {
    fn photo_obj(&self, hash: &str) -> Result<Option<ObjId>, DocError> {
        for map in self.root_maps("photos")? {
            if let Some((Value::Object(ObjType::Map), obj)) = self.doc.get(&map, hash)? {
                return Ok(Some(obj));
            }
        }
        Ok(None)
    }

    /// Names a photo the tablet has stored. The same photo added again (on this tablet or
    /// another) is the same entry: adding it again brings a removed one back and keeps its
    /// first time and author.
    pub fn add_photo(&mut self, input: &PhotoInput, ctx: &EditCtx) -> Result<(), DocError> {
        input.validate()?;
        if let Some(obj) = self.photo_obj(&input.hash)? {
            self.doc.put(&obj, "deleted", false)?;
            self.doc.put(&obj, "kind", input.kind.code())?;
            self.doc.put(&obj, "caption", input.caption.as_str())?;
            self.doc.commit_with(ctx.commit_options());
            return Ok(());
        }
        let count = self.read_photos()?.len();
        if count >= MAX_PHOTOS {
            return Err(DocError::Invalid(format!(
                "a session holds at most {MAX_PHOTOS} photos"
            )));
        }
        let map = match self.root_maps("photos")?.into_iter().next() {
            Some(map) => map,
            None => self
                .doc
                .put_object(automerge::ROOT, "photos", ObjType::Map)?,
        };
        let p = self
            .doc
            .put_object(&map, input.hash.as_str(), ObjType::Map)?;
        self.doc.put(&p, "kind", input.kind.code())?;
        self.doc.put(&p, "caption", input.caption.as_str())?;
        self.doc.put(&p, "taken_at", ctx.now_ms)?;
        self.doc.put(&p, "taken_by", ctx.author.as_str())?;
        self.doc.put(&p, "bytes", ScalarValue::Uint(input.bytes))?;
        self.doc.put(&p, "mime", input.mime.as_str())?;
        self.doc.put(&p, "deleted", false)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Changes a photo's kind and caption.
    pub fn describe_photo(
        &mut self,
        hash: &str,
        kind: &PhotoKind,
        caption: &str,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        check_len("caption", caption, MAX_NAME_CHARS)?;
        let obj = self
            .photo_obj(hash)?
            .ok_or_else(|| DocError::Invalid(format!("no photo {hash}")))?;
        self.doc.put(&obj, "kind", kind.code())?;
        self.doc.put(&obj, "caption", caption)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }

    /// Removing keeps the entry (marked), like proposals and associations.
    pub fn set_photo_deleted(
        &mut self,
        hash: &str,
        deleted: bool,
        ctx: &EditCtx,
    ) -> Result<(), DocError> {
        let obj = self
            .photo_obj(hash)?
            .ok_or_else(|| DocError::Invalid(format!("no photo {hash}")))?;
        self.doc.put(&obj, "deleted", deleted)?;
        self.doc.commit_with(ctx.commit_options());
        Ok(())
    }
}

pub(super) fn init_ms(ctx: &EditCtx) -> i64 {
    ctx.now_ms
}
