//! Learning from the office's decisions: pairs of proposals put together (a need created,
//! proposals merged into a need) or kept apart (a suggestion rejected) count for the terms
//! they share, in `suggest_learned`; each suggestion run weighs terms by it.

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

/// Counts decisions on pairs of proposals (by id): `true` put together, `false` kept apart.
pub fn learn_pairs(tx: &Transaction<'_>, pairs: &[(String, String, bool)]) -> AppResult<()> {
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
        delta.record(&keys[a], &keys[b], *together);
    }
    let mut up = tx.prepare_cached(
        "INSERT INTO suggest_learned (term, together, apart) VALUES (?1, ?2, ?3)
         ON CONFLICT (term) DO UPDATE SET together = together + excluded.together,
                                          apart = apart + excluded.apart",
    )?;
    let mut counts: Vec<_> = delta.counts.into_iter().collect();
    counts.sort();
    for (term, (t, a)) in counts {
        up.execute(params![term, t, a])?;
    }
    Ok(())
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
