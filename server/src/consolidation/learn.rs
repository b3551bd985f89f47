//! Learning from the office's decisions: pairs of proposals put together (a need created,
//! proposals merged or moved into a need) or kept apart (a suggestion rejected, a proposal
//! moved or split out of a need) count for the terms they share and for the pairs of concepts
//! one has and the other not ([`suggest::Learned::record`]), in `suggest_learned`; each
//! suggestion run weighs terms by it. What an action taught is kept beside it
//! (`suggest_learned_actions`) and taken back out when the action is undone.

use super::*;

/// Pairs counted per proposal when many are put together at once (a need of thousands would
/// otherwise count millions of pairs).
const PARTNERS: usize = 10;

/// The learned counts, as the engine reads them.
pub fn learned(tx: &Transaction<'_>) -> AppResult<suggest::Learned> {
    let mut stmt = tx.prepare("SELECT term, together, apart FROM suggest_learned")?;
    let mut q = stmt.query([])?;
    let mut out = suggest::Learned::default();
    while let Some(r) = q.next()? {
        out.counts.insert(r.get(0)?, (r.get(1)?, r.get(2)?));
    }
    Ok(out)
}

/// Counts decisions on pairs of proposals (by id): `true` put together, `false` kept apart;
/// made by `action` (undoable), or not.
pub fn learn_pairs(
    tx: &Transaction<'_>,
    pairs: &[(String, String, bool)],
    action: Option<i64>,
) -> AppResult<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    let lex = office_lexicon(tx)?;
    let places = territory_places(tx)?;
    let mut keys: HashMap<String, Vec<String>> = HashMap::new();
    {
        let mut stmt =
            tx.prepare_cached("SELECT problem_norm, solution_norm FROM proposals WHERE id = ?1")?;
        for (a, b, _) in pairs {
            for id in [a, b] {
                if keys.contains_key(id) {
                    continue;
                }
                let text: Option<(String, String)> = stmt
                    .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                let k = text
                    .map(|(p, s)| suggest::term_keys(&lex, &places, &format!("{p} {s}")))
                    .unwrap_or_default();
                keys.insert(id.clone(), k);
            }
        }
    }
    let mut delta = suggest::Learned::default();
    for (a, b, together) in pairs {
        delta.record_in(&lex, &keys[a], &keys[b], *together);
    }
    let mut up = tx.prepare_cached(
        "INSERT INTO suggest_learned (term, together, apart) VALUES (?1, ?2, ?3)
         ON CONFLICT (term) DO UPDATE SET together = together + excluded.together,
                                          apart = apart + excluded.apart",
    )?;
    delta.as_one_action();
    let mut counts: Vec<_> = delta.counts.into_iter().collect();
    counts.sort();
    let mut by_action = tx.prepare_cached(
        "INSERT INTO suggest_learned_actions (action_id, term, together, apart) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (action_id, term) DO UPDATE SET together = together + excluded.together,
                                                     apart = apart + excluded.apart",
    )?;
    for (term, (t, a)) in counts {
        up.execute(params![term, t, a])?;
        if let Some(action) = action {
            by_action.execute(params![action, term, t, a])?;
        }
    }
    Ok(())
}

/// Takes back out what `action` taught (it is being undone).
pub fn unlearn(tx: &Transaction<'_>, action: i64) -> AppResult<()> {
    tx.execute(
        "UPDATE suggest_learned SET
            together = max(0, together - coalesce((SELECT sum(together) FROM suggest_learned_actions a
                                                   WHERE a.action_id = ?1 AND a.term = suggest_learned.term), 0)),
            apart = max(0, apart - coalesce((SELECT sum(apart) FROM suggest_learned_actions a
                                             WHERE a.action_id = ?1 AND a.term = suggest_learned.term), 0))
         WHERE term IN (SELECT term FROM suggest_learned_actions WHERE action_id = ?1)",
        [action],
    )?;
    tx.execute(
        "DELETE FROM suggest_learned WHERE together = 0 AND apart = 0
           AND term IN (SELECT term FROM suggest_learned_actions WHERE action_id = ?1)",
        [action],
    )?;
    tx.execute(
        "DELETE FROM suggest_learned_actions WHERE action_id = ?1",
        [action],
    )?;
    Ok(())
}

/// Proposals `ids` moved (or split) from wherever they were into `to` (a need, or none): put
/// together with a few of `to`'s other members, kept apart from a few of those left in the
/// needs they came from (each with its need, before the move).
pub fn moved_pairs(
    tx: &Transaction<'_>,
    ids: &[String],
    from: &[(String, Option<i64>)],
    to: Option<i64>,
) -> AppResult<Vec<(String, String, bool)>> {
    let mut members = tx.prepare_cached(
        "SELECT proposal_id FROM need_members WHERE need_id = ?1 ORDER BY proposal_id LIMIT 40",
    )?;
    let moving: HashSet<&String> = ids.iter().collect();
    let mut some = |need: i64| -> AppResult<Vec<String>> {
        let all: Vec<String> = members
            .query_map([need], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(all
            .into_iter()
            .filter(|m| !moving.contains(m))
            .take(PARTNERS)
            .collect())
    };
    let mut out = Vec::new();
    if let Some(n) = to {
        let there = some(n)?;
        for p in ids {
            for m in &there {
                out.push((p.clone(), m.clone(), true));
            }
        }
    }
    let mut left: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (p, need) in from {
        let Some(f) = *need else { continue };
        if Some(f) == to {
            continue;
        }
        if let std::collections::btree_map::Entry::Vacant(e) = left.entry(f) {
            e.insert(some(f)?);
        }
        for m in &left[&f] {
            out.push((p.clone(), m.clone(), false));
        }
    }
    Ok(out)
}

/// Proposals put together: each with the next few in id order (a chain, so every one counts).
pub fn together_pairs(ids: &[String]) -> Vec<(String, String, bool)> {
    let mut sorted: Vec<&String> = ids.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut out = Vec::new();
    for (i, a) in sorted.iter().enumerate() {
        for b in sorted.iter().skip(i + 1).take(PARTNERS) {
            out.push(((*a).clone(), (*b).clone(), true));
        }
    }
    out
}
