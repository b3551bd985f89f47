//! Checks an Automerge sync message before Automerge sees it.
//!
//! Automerge trusts the numbers a message declares: a Bloom filter's probe count is allocated
//! as asked (2^32 probes: 16 GiB), a filter with zero bits divides by zero, a compressed chunk
//! is inflated whole, and a run-length column can declare 2^40 operations in a few bytes. A
//! tablet is a device that gets lost, stolen or runs a broken version, so the server reads every
//! message here first, with limits, and hands it to Automerge only when it is within them.
//!
//! The walk follows Automerge's own format (`automerge` 0.12: `sync.rs`, `sync/bloom.rs`,
//! `storage/chunk.rs`, `storage/change.rs`, `storage/document.rs`, `storage/columns/`): the
//! message's header fields, then every chunk of its changes (change, compressed change,
//! document), and in each chunk every column, counting what the columns decode to without
//! building anything. Deflated data is inflated through a reader that stops at the limit.
//! The check is stricter than Automerge where Automerge would only half-load a message (trailing
//! bytes, bundles, which its sync never sends): a message refused here changes nothing.

use std::io::Read;

/// The bounds a sync message must keep. Each number, and why, is in ARCHITECTURE.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Heads, needs, last-sync hashes of a `have`, and dependencies of a change, each.
    pub max_hashes: usize,
    /// `have` entries (Automerge sends one).
    pub max_haves: usize,
    /// Bloom filter probes per hash (Automerge uses 7).
    pub max_bloom_probes: u32,
    /// Bloom filter bits per entry (Automerge uses 10).
    pub max_bloom_bits_per_entry: u32,
    /// Chunks in the message's changes (one per change, or one whole document).
    pub max_chunks: usize,
    /// Actors named by one chunk.
    pub max_actors: usize,
    /// Bytes of one actor id (Automerge's are 16).
    pub max_actor_bytes: usize,
    /// Bytes all the message's deflated data inflates to, in all.
    pub max_inflated_bytes: usize,
    /// Items all the message's columns decode to, in all (operations, changes, their fields).
    pub max_column_items: u64,
    /// Items all the messages of one batch request decode to: past it, the server answers
    /// "send again" for the remaining documents instead of applying them (see the server's
    /// `routes::sync`), so one request holds the write lock for a bounded time.
    pub max_request_items: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_hashes: 4_096,
            max_haves: 16,
            max_bloom_probes: 32,
            max_bloom_bits_per_entry: 64,
            max_chunks: 200_000,
            max_actors: 4_096,
            max_actor_bytes: 128,
            max_inflated_bytes: 32 * 1024 * 1024,
            max_column_items: 2_000_000,
            max_request_items: 4_000_000,
        }
    }
}

/// Why a message was refused, in words for the log and the 400's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("over a limit: {0}")]
    OverLimit(String),
}

/// What a message holds, as counted while checking it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub heads: usize,
    pub chunks: usize,
    /// Chunks that are single changes (plain or compressed), whose bytes Automerge keeps and
    /// hashes as received (see `canonical` in the server's store).
    pub change_chunks: usize,
    pub inflated_bytes: usize,
    pub column_items: u64,
}

const MESSAGE_V1: u8 = 0x42;
const MESSAGE_V2: u8 = 0x43;
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const HASH_BYTES: usize = 32;
const CHUNK_DOCUMENT: u8 = 0;
const CHUNK_CHANGE: u8 = 1;
const CHUNK_COMPRESSED: u8 = 2;
const COLUMN_DEFLATE: u32 = 0b1000;

/// Checks `message` against `limits`. `Ok` means Automerge may decode and apply it without
/// allocating or working beyond what the limits allow.
pub fn check(message: &[u8], limits: &Limits) -> Result<Summary, GuardError> {
    let mut budget = Budget {
        limits,
        summary: Summary::default(),
    };
    let mut r = Reader::new(message);
    match r.byte("message type")? {
        MESSAGE_V1 | MESSAGE_V2 => {}
        other => return Err(malformed(format!("unknown message type {other:#04x}"))),
    }
    // Automerge writes these lists sorted, and re-encodes what a peer sent (its heads become
    // the shared heads of the next message) asserting that they are: a list out of order comes
    // from no real peer and is refused here.
    budget.summary.heads = r.sorted_hashes("heads", limits.max_hashes)?;
    r.sorted_hashes("need", limits.max_hashes)?;
    let haves = r.count("have entries", limits.max_haves)?;
    for _ in 0..haves {
        r.sorted_hashes("last sync", limits.max_hashes)?;
        let len = r.length("Bloom filter")?;
        let bloom = r.take(len, "Bloom filter")?;
        check_bloom(bloom, limits)?;
    }
    let entries = r.count("changes", limits.max_chunks)?;
    let mut joined = Vec::new();
    for _ in 0..entries {
        let len = r.length("change")?;
        joined.extend_from_slice(r.take(len, "change")?);
    }
    if !r.is_empty() {
        // The flags section: a length, then that many bytes; what follows is ignored by
        // Automerge (room for later fields), but it must at least be there.
        let len = r.length("flags")?;
        r.take(len, "flags")?;
    }
    // Automerge joins the entries and reads chunks off the whole, across entry boundaries.
    let mut chunks = Reader::new(&joined);
    while !chunks.is_empty() {
        budget.summary.chunks += 1;
        if budget.summary.chunks > limits.max_chunks {
            return Err(over(format!("more than {} chunks", limits.max_chunks)));
        }
        check_chunk(&mut chunks, &mut budget)?;
    }
    Ok(budget.summary)
}

fn malformed(what: impl Into<String>) -> GuardError {
    GuardError::Malformed(what.into())
}

fn over(what: impl Into<String>) -> GuardError {
    GuardError::OverLimit(what.into())
}

struct Budget<'l> {
    limits: &'l Limits,
    summary: Summary,
}

impl Budget<'_> {
    fn items(&mut self, n: u64) -> Result<(), GuardError> {
        self.summary.column_items = self.summary.column_items.saturating_add(n);
        if self.summary.column_items > self.limits.max_column_items {
            return Err(over(format!(
                "its columns decode to more than {} items",
                self.limits.max_column_items
            )));
        }
        Ok(())
    }

    /// Inflates `data` into a new buffer, stopping as soon as the message's total would pass the
    /// limit (a deflate bomb is never inflated further than that).
    fn inflate(&mut self, data: &[u8]) -> Result<Vec<u8>, GuardError> {
        let room = self.limits.max_inflated_bytes - self.summary.inflated_bytes;
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(data)
            .take(room as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| malformed(format!("deflated data does not inflate: {e}")))?;
        if out.len() > room {
            return Err(over(format!(
                "its deflated data inflates to more than {} bytes",
                self.limits.max_inflated_bytes
            )));
        }
        self.summary.inflated_bytes += out.len();
        Ok(out)
    }
}

/// A Bloom filter as Automerge reads it: empty, or entries, bits per entry, probes, then
/// exactly the bits those make (Automerge ignores what follows; so do we).
fn check_bloom(bytes: &[u8], limits: &Limits) -> Result<(), GuardError> {
    if bytes.is_empty() {
        return Ok(());
    }
    let mut r = Reader::new(bytes);
    let entries = r.u32("Bloom filter entries")?;
    let bits_per_entry = r.u32("Bloom filter bits per entry")?;
    let probes = r.u32("Bloom filter probes")?;
    if entries == 0 {
        // Automerge never writes an empty filter this way, and never probes one.
        return Ok(());
    }
    if !(1..=limits.max_bloom_bits_per_entry).contains(&bits_per_entry) {
        return Err(over(format!(
            "a Bloom filter with {bits_per_entry} bits per entry (1 to {} allowed)",
            limits.max_bloom_bits_per_entry
        )));
    }
    if !(1..=limits.max_bloom_probes).contains(&probes) {
        return Err(over(format!(
            "a Bloom filter with {probes} probes (1 to {} allowed)",
            limits.max_bloom_probes
        )));
    }
    let bits = (u64::from(entries) * u64::from(bits_per_entry)).div_ceil(8);
    if bits > r.remaining() as u64 {
        return Err(malformed("a Bloom filter is shorter than it says"));
    }
    Ok(())
}

fn check_chunk(r: &mut Reader<'_>, budget: &mut Budget<'_>) -> Result<(), GuardError> {
    let magic = r.take(4, "chunk magic bytes")?;
    if magic != MAGIC {
        return Err(malformed(
            "a chunk does not start with Automerge's magic bytes",
        ));
    }
    r.take(4, "chunk checksum")?;
    let kind = r.byte("chunk type")?;
    let len = r.length("chunk")?;
    let data = r.take(len, "chunk")?;
    if matches!(kind, CHUNK_CHANGE | CHUNK_COMPRESSED) {
        budget.summary.change_chunks += 1;
    }
    match kind {
        CHUNK_CHANGE => check_change(data, budget),
        CHUNK_COMPRESSED => {
            let inflated = budget.inflate(data)?;
            check_change(&inflated, budget)
        }
        CHUNK_DOCUMENT => check_document(data, budget),
        other => Err(malformed(format!(
            "chunk type {other} is not one a sync message carries"
        ))),
    }
}

/// A change: dependencies, actor, sequence, start op, time, message, other actors, then its
/// operation columns (never deflated inside a change: Automerge refuses those).
fn check_change(data: &[u8], budget: &mut Budget<'_>) -> Result<(), GuardError> {
    let limits = budget.limits;
    let mut r = Reader::new(data);
    r.hashes("change dependencies", limits.max_hashes)?;
    r.actor(limits)?;
    r.varint("change seq")?;
    r.varint("change start op")?;
    r.varint("change time")?;
    let message = r.length("change message")?;
    r.take(message, "change message")?;
    let actors = r.count("change actors", limits.max_actors)?;
    for _ in 0..actors {
        r.actor(limits)?;
    }
    let columns = r.columns()?;
    for (spec, len) in columns {
        let data = r.take(len, "change column")?;
        if spec & COLUMN_DEFLATE != 0 {
            return Err(malformed("a change with a deflated column"));
        }
        count_column(spec, data, budget)?;
    }
    // What follows the columns is the change's "extra bytes", kept as they are.
    Ok(())
}

/// A whole document (what a V2 message sends to a peer with nothing): actors, heads, change
/// and operation column metadata, their data, then the heads' indices.
fn check_document(data: &[u8], budget: &mut Budget<'_>) -> Result<(), GuardError> {
    let limits = budget.limits;
    let mut r = Reader::new(data);
    let actors = r.count("document actors", limits.max_actors)?;
    for _ in 0..actors {
        r.actor(limits)?;
    }
    r.hashes("document heads", limits.max_hashes)?;
    let change_columns = r.columns()?;
    let op_columns = r.columns()?;
    for (spec, len) in change_columns.into_iter().chain(op_columns) {
        let data = r.take(len, "document column")?;
        if spec & COLUMN_DEFLATE != 0 {
            let inflated = budget.inflate(data)?;
            count_column(spec, &inflated, budget)?;
        } else {
            count_column(spec, data, budget)?;
        }
    }
    Ok(())
}

/// Counts the items a column decodes to, by its type (the low three bits of its spec), and
/// charges them to the budget. The encodings are Automerge's: run-length for integers, actors,
/// strings and value metadata (a signed count: n > 0 repeats one value n times, n < 0 is -n
/// literal values, 0 is a run of nulls whose length follows), delta integers the same, and
/// booleans as alternating run lengths. Raw value bytes decode to nothing more than themselves.
fn count_column(spec: u32, data: &[u8], budget: &mut Budget<'_>) -> Result<(), GuardError> {
    let mut r = Reader::new(data);
    match spec & 0b111 {
        // Group (a count per item of the columns nested in it): the counts themselves are
        // items too, since each one makes the reader take that many nested values.
        0 => {
            while !r.is_empty() {
                let (n, reach) = r.run(Value::Varint)?;
                budget.items(n)?;
                budget.items(reach)?;
            }
        }
        // Actor, Integer, DeltaInteger, ValueMetadata.
        1 | 2 | 3 | 6 => {
            while !r.is_empty() {
                let (n, _) = r.run(Value::Varint)?;
                budget.items(n)?;
            }
        }
        // Boolean.
        4 => {
            while !r.is_empty() {
                let n = r.varint("boolean run")?;
                budget.items(n)?;
            }
        }
        // String.
        5 => {
            while !r.is_empty() {
                let (n, _) = r.run(Value::String)?;
                budget.items(n)?;
            }
        }
        // Raw values: their length is bounded by the message.
        _ => {}
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Value {
    Varint,
    String,
}

struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn remaining(&self) -> usize {
        self.data.len()
    }

    fn byte(&mut self, what: &str) -> Result<u8, GuardError> {
        let (&b, rest) = self
            .data
            .split_first()
            .ok_or_else(|| malformed(format!("it ends before its {what}")))?;
        self.data = rest;
        Ok(b)
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], GuardError> {
        if n > self.data.len() {
            return Err(malformed(format!("its {what} is longer than the message")));
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }

    /// An unsigned LEB128 number of at most 64 bits.
    fn varint(&mut self, what: &str) -> Result<u64, GuardError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let b = self.byte(what)?;
            let bits = u64::from(b & 0x7f);
            if i == 9 && bits > 1 {
                return Err(malformed(format!("its {what} is too large a number")));
            }
            value |= bits << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed(format!("its {what} is too large a number")))
    }

    /// A signed LEB128 number of at most 64 bits.
    fn signed(&mut self, what: &str) -> Result<i64, GuardError> {
        let mut value: i64 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte(what)?;
            if shift == 63 && b != 0 && b != 0x7f {
                return Err(malformed(format!("its {what} is too large a number")));
            }
            value |= i64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
            if shift > 63 {
                return Err(malformed(format!("its {what} is too large a number")));
            }
        }
    }

    fn u32(&mut self, what: &str) -> Result<u32, GuardError> {
        u32::try_from(self.varint(what)?)
            .map_err(|_| malformed(format!("its {what} is too large a number")))
    }

    /// A length of bytes that must still be in the input.
    fn length(&mut self, what: &str) -> Result<usize, GuardError> {
        let n = self.varint(what)?;
        if n > self.data.len() as u64 {
            return Err(malformed(format!("its {what} is longer than the message")));
        }
        Ok(n as usize)
    }

    fn count(&mut self, what: &str, max: usize) -> Result<usize, GuardError> {
        let n = self.varint(what)?;
        if n > max as u64 {
            return Err(over(format!("{n} {what} ({max} at most)")));
        }
        Ok(n as usize)
    }

    fn hashes(&mut self, what: &str, max: usize) -> Result<usize, GuardError> {
        let n = self.count(what, max)?;
        self.take(n * HASH_BYTES, what)?;
        Ok(n)
    }

    /// A list of hashes that must be in ascending order (equal neighbours allowed, as
    /// Automerge's own check allows them).
    fn sorted_hashes(&mut self, what: &str, max: usize) -> Result<usize, GuardError> {
        let n = self.count(what, max)?;
        let bytes = self.take(n * HASH_BYTES, what)?;
        let mut hashes = bytes.chunks_exact(HASH_BYTES);
        if let Some(mut previous) = hashes.next() {
            for hash in hashes {
                if hash < previous {
                    return Err(malformed(format!("{what}: hashes out of order")));
                }
                previous = hash;
            }
        }
        Ok(n)
    }

    fn actor(&mut self, limits: &Limits) -> Result<(), GuardError> {
        let len = self.length("actor id")?;
        if len > limits.max_actor_bytes {
            return Err(over(format!(
                "an actor id of {len} bytes ({} at most)",
                limits.max_actor_bytes
            )));
        }
        self.take(len, "actor id")?;
        Ok(())
    }

    /// Column metadata: a count, then (spec, data length) pairs.
    fn columns(&mut self) -> Result<Vec<(u32, usize)>, GuardError> {
        // Automerge knows about a dozen columns; a few hundred leaves room for later versions.
        let n = self.count("columns", 256)?;
        let mut out = Vec::with_capacity(n);
        let mut total: usize = 0;
        for _ in 0..n {
            let spec = self.u32("column spec")?;
            let len = self.varint("column length")?;
            total = total.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
            if total > self.data.len() {
                return Err(malformed("its columns are longer than the message"));
            }
            out.push((spec, len as usize));
        }
        Ok(out)
    }

    /// One run of a run-length column: how many items it stands for, and the sum of the
    /// numbers it holds (what a group column makes the reader take from its nested columns).
    fn run(&mut self, value: Value) -> Result<(u64, u64), GuardError> {
        let count = self.signed("run length")?;
        match count {
            0 => Ok((self.varint("null run length")?, 0)),
            n if n > 0 => {
                let v = self.value(value)?;
                Ok((n as u64, (n as u64).saturating_mul(v)))
            }
            n => {
                let literals = n.unsigned_abs();
                // Each literal takes at least one byte: a count past the input is a lie.
                if literals > self.data.len() as u64 {
                    return Err(malformed("a literal run longer than its column"));
                }
                let mut sum: u64 = 0;
                for _ in 0..literals {
                    sum = sum.saturating_add(self.value(value)?);
                }
                Ok((literals, sum))
            }
        }
    }

    /// Skips one value; a number is read as unsigned (how a group's counts are read), and a
    /// signed one (delta columns) just reads as some number, which is only ever summed for groups.
    fn value(&mut self, value: Value) -> Result<u64, GuardError> {
        match value {
            Value::Varint => {
                let mut v: u64 = 0;
                for i in 0..10 {
                    let b = self.byte("column value")?;
                    v |= u64::from(b & 0x7f).checked_shl(7 * i).unwrap_or(0);
                    if b & 0x80 == 0 {
                        return Ok(v);
                    }
                }
                Err(malformed("a column value is too large a number"))
            }
            Value::String => {
                let len = self.length("column string")?;
                self.take(len, "column string")?;
                Ok(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use automerge::{AutoCommit, sync::State};

    use super::*;
    use crate::{
        GroupKind, Sector,
        session::{EditCtx, NewSession, ProposalInput, SessionDoc},
        sync::{generate, receive},
    };

    fn uleb(mut n: u64, out: &mut Vec<u8>) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn sleb(mut n: i64, out: &mut Vec<u8>) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if (n == 0 && b & 0x40 == 0) || (n == -1 && b & 0x40 != 0) {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn chunk(kind: u8, data: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend([0, 0, 0, 0]);
        out.push(kind);
        uleb(data.len() as u64, &mut out);
        out.extend(data);
        out
    }

    /// A V1 message with no heads, needs or haves, carrying `chunks` as one change entry each.
    fn message(chunks: &[Vec<u8>]) -> Vec<u8> {
        let mut out = vec![MESSAGE_V1, 0, 0, 0];
        uleb(chunks.len() as u64, &mut out);
        for c in chunks {
            uleb(c.len() as u64, &mut out);
            out.extend(c);
        }
        out
    }

    /// A change whose operation columns are `columns` (spec, data).
    fn change(columns: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let mut out = vec![0]; // no dependencies
        out.push(16);
        out.extend([7u8; 16]); // actor
        out.extend([1, 1, 0, 0, 0]); // seq, start op, time, message, other actors
        uleb(columns.len() as u64, &mut out);
        for (spec, data) in columns {
            uleb(u64::from(*spec), &mut out);
            uleb(data.len() as u64, &mut out);
        }
        for (_, data) in columns {
            out.extend(data);
        }
        out
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// A V1 message whose heads (or needs) are `hashes`, in the order given.
    fn with_hashes(heads: &[[u8; 32]], need: &[[u8; 32]]) -> Vec<u8> {
        let mut out = vec![MESSAGE_V1];
        for list in [heads, need] {
            uleb(list.len() as u64, &mut out);
            for h in list {
                out.extend(h);
            }
        }
        out.extend([0, 0]); // no haves, no changes
        out
    }

    #[test]
    fn hash_lists_out_of_order_are_refused() {
        // Found by the fuzzer: a peer's heads out of order became the server's shared heads,
        // which Automerge re-encodes asserting they are sorted (a panic in a debug build).
        let (low, high) = ([1u8; 32], [2u8; 32]);
        for (heads, need) in [(vec![high, low], vec![]), (vec![], vec![low, high, low])] {
            let err = check(&with_hashes(&heads, &need), &Limits::default()).unwrap_err();
            assert!(matches!(err, GuardError::Malformed(_)), "{err}");
            assert!(err.to_string().contains("out of order"), "{err}");
        }
        for (heads, need) in [(vec![low, high], vec![low, low]), (vec![high], vec![])] {
            check(&with_hashes(&heads, &need), &Limits::default()).unwrap();
        }
        // And a real message, from Automerge itself, passes.
        use automerge::transaction::Transactable;
        let mut a = AutoCommit::new();
        a.put(automerge::ROOT, "base", 0).unwrap();
        let mut forks: Vec<AutoCommit> = (0..5).map(|_| a.fork()).collect();
        for (i, fork) in forks.iter_mut().enumerate() {
            fork.put(automerge::ROOT, format!("k{i}"), i as i64)
                .unwrap();
        }
        for fork in &mut forks {
            a.merge(fork).unwrap();
        }
        assert_eq!(a.get_heads().len(), 5);
        let mut state = State::new();
        let msg = automerge::sync::SyncDoc::generate_sync_message(&a.sync(), &mut state)
            .unwrap()
            .encode();
        check(&msg, &Limits::default()).unwrap();
    }

    #[test]
    fn the_sixteen_byte_message_that_asked_for_sixteen_gib_is_refused() {
        // From the issue: one have, a Bloom filter of 1 entry, 10 bits, 2^32-1 probes.
        let msg = b"\x42\x00\x00\x01\x00\x09\x01\x0a\xff\xff\xff\xff\x0f\x00\x00\x00";
        let err = check(msg, &Limits::default()).unwrap_err();
        assert!(matches!(err, GuardError::OverLimit(_)), "{err}");
        assert!(err.to_string().contains("probes"), "{err}");
    }

    #[test]
    fn a_bloom_filter_with_zero_bits_is_refused() {
        // 5 entries, 0 bits per entry, 7 probes: Automerge would divide by zero.
        let msg = b"\x42\x00\x00\x01\x00\x03\x05\x00\x07\x00";
        let err = check(msg, &Limits::default()).unwrap_err();
        assert!(err.to_string().contains("bits per entry"), "{err}");
    }

    #[test]
    fn a_bloom_filter_shorter_than_it_says_is_refused() {
        let msg = b"\x42\x00\x00\x01\x00\x04\x64\x0a\x07\x00\x00";
        assert!(matches!(
            check(msg, &Limits::default()),
            Err(GuardError::Malformed(_))
        ));
    }

    #[test]
    fn a_compressed_change_is_inflated_only_up_to_the_limit() {
        let limits = Limits {
            max_inflated_bytes: 1 << 20,
            ..Limits::default()
        };
        let bomb = deflate(&vec![0u8; 8 << 20]);
        assert!(bomb.len() < 16 * 1024, "{}", bomb.len());
        let msg = message(&[chunk(CHUNK_COMPRESSED, &bomb)]);
        let err = check(&msg, &limits).unwrap_err();
        assert!(matches!(err, GuardError::OverLimit(_)), "{err}");
    }

    #[test]
    fn a_deflated_document_column_is_inflated_only_up_to_the_limit() {
        let limits = Limits {
            max_inflated_bytes: 1 << 20,
            ..Limits::default()
        };
        let bomb = deflate(&vec![0u8; 8 << 20]);
        let mut doc = vec![0, 0]; // no actors, no heads
        doc.push(1);
        uleb(u64::from((1 << 4) | COLUMN_DEFLATE | 7), &mut doc);
        uleb(bomb.len() as u64, &mut doc);
        doc.push(0); // no op columns
        doc.extend(&bomb);
        let err = check(&message(&[chunk(CHUNK_DOCUMENT, &doc)]), &limits).unwrap_err();
        assert!(matches!(err, GuardError::OverLimit(_)), "{err}");
    }

    #[test]
    fn a_run_length_column_declaring_2_pow_40_operations_is_refused() {
        let mut run = Vec::new();
        sleb(1 << 40, &mut run);
        uleb(1, &mut run);
        // The action column (id 4, integer) of a change.
        let c = change(&[((4 << 4) | 2, run)]);
        let err = check(&message(&[chunk(CHUNK_CHANGE, &c)]), &Limits::default()).unwrap_err();
        assert!(err.to_string().contains("items"), "{err}");
    }

    #[test]
    fn a_group_column_whose_counts_reach_too_far_is_refused() {
        // 1,000 operations, each claiming 2^40 predecessors.
        let mut run = Vec::new();
        sleb(1000, &mut run);
        uleb(1 << 40, &mut run);
        let c = change(&[((7 << 4), run)]);
        assert!(check(&message(&[chunk(CHUNK_CHANGE, &c)]), &Limits::default()).is_err());
    }

    #[test]
    fn boolean_and_literal_runs_are_counted() {
        let limits = Limits {
            max_column_items: 100,
            ..Limits::default()
        };
        let mut bools = Vec::new();
        uleb(60, &mut bools);
        uleb(60, &mut bools);
        let c = change(&[((3 << 4) | 4, bools)]);
        assert!(check(&message(&[chunk(CHUNK_CHANGE, &c)]), &limits).is_err());
        let mut literals = Vec::new();
        sleb(-3, &mut literals);
        literals.extend([1, 2, 3]);
        let c = change(&[((4 << 4) | 2, literals)]);
        let summary = check(&message(&[chunk(CHUNK_CHANGE, &c)]), &limits).unwrap();
        assert_eq!(summary.column_items, 3);
        // A literal run that claims more values than its column holds.
        let mut lie = Vec::new();
        sleb(-1000, &mut lie);
        lie.extend([1, 2]);
        let c = change(&[((4 << 4) | 2, lie)]);
        assert!(matches!(
            check(&message(&[chunk(CHUNK_CHANGE, &c)]), &limits),
            Err(GuardError::Malformed(_))
        ));
    }

    #[test]
    fn counts_beyond_the_limits_and_unknown_chunks_are_refused() {
        let limits = Limits::default();
        // 5,000 heads declared.
        let mut msg = vec![MESSAGE_V1];
        uleb(5_000, &mut msg);
        assert!(matches!(
            check(&msg, &limits),
            Err(GuardError::OverLimit(_))
        ));
        // A bundle chunk (Automerge's sync never sends one).
        let msg = message(&[chunk(3, &[0, 0, 0])]);
        assert!(check(&msg, &limits).is_err());
        // Trailing bytes that are not a chunk.
        let mut c = chunk(CHUNK_CHANGE, &change(&[]));
        c.extend([1, 2, 3]);
        assert!(check(&message(&[c]), &limits).is_err());
        // Not a sync message at all; and nothing.
        assert!(check(b"\x00hello", &limits).is_err());
        assert!(check(b"", &limits).is_err());
    }

    fn session(proposals: usize, notes: usize) -> SessionDoc {
        let ctx = EditCtx::new("facilitator", 1_700_000_000_000);
        let mut doc = SessionDoc::create(
            uuid::Uuid::new_v4(),
            &NewSession {
                pole_id: "p1".into(),
                douar_ids: vec!["d1".into(), "d2".into()],
                group_kind: GroupKind::Women,
                date: "2026-11-30".into(),
                facilitators: "أمينة".into(),
            },
            &ctx,
            None,
        )
        .unwrap();
        for i in 0..proposals {
            doc.add_proposal(
                &ProposalInput {
                    problem: format!("مشكل الماء الصالح للشرب رقم {i}"),
                    solution: format!("ربط الدوار بالشبكة {i}"),
                    sector: Some(Sector::DrinkingWater),
                    douar_id: Some("d1".into()),
                    raised_by: String::new(),
                },
                &ctx,
            )
            .unwrap();
        }
        doc.set_notes(&"ملاحظة طويلة ".repeat(notes), &ctx).unwrap();
        doc
    }

    /// Syncs two documents to the end, checking every message either side sends.
    fn sync_checked(a: &mut AutoCommit, b: &mut AutoCommit) -> usize {
        let (mut sa, mut sb) = (State::new(), State::new());
        let limits = Limits::default();
        let mut messages = 0;
        for _ in 0..20 {
            let mut quiet = true;
            if let Some(m) = generate(a, &mut sa) {
                check(&m, &limits).unwrap_or_else(|e| panic!("a→b refused: {e}"));
                receive(b, &mut sb, &m).unwrap();
                messages += 1;
                quiet = false;
            }
            if let Some(m) = generate(b, &mut sb) {
                check(&m, &limits).unwrap_or_else(|e| panic!("b→a refused: {e}"));
                receive(a, &mut sa, &m).unwrap();
                messages += 1;
                quiet = false;
            }
            if quiet {
                return messages;
            }
        }
        panic!("the sync did not settle");
    }

    #[test]
    fn every_message_of_real_syncs_passes() {
        // A big session to an empty peer (a V2 whole-document message with deflated columns),
        // then edits on both sides (change chunks), then a third peer from scratch.
        let mut a = session(300, 400).into_automerge();
        let mut b = AutoCommit::new();
        assert!(sync_checked(&mut a, &mut b) >= 2);
        assert_eq!(a.get_heads(), b.get_heads());
        let mut sa = SessionDoc::from_automerge(a);
        let ctx = EditCtx::new("facilitator", 1_700_000_100_000);
        sa.set_notes("قصير", &ctx).unwrap();
        let mut a = sa.into_automerge();
        let mut sb = SessionDoc::from_automerge(b);
        sb.add_proposal(
            &ProposalInput {
                problem: "الطريق".into(),
                solution: String::new(),
                sector: None,
                douar_id: None,
                raised_by: String::new(),
            },
            &ctx,
        )
        .unwrap();
        let mut b = sb.into_automerge();
        sync_checked(&mut a, &mut b);
        assert_eq!(a.get_heads(), b.get_heads());
        let mut c = AutoCommit::new();
        sync_checked(&mut c, &mut a);
        assert_eq!(a.get_heads(), c.get_heads());
    }

    #[test]
    fn a_saved_document_and_its_changes_pass_as_message_chunks() {
        let mut doc = session(50, 50).into_automerge();
        let saved = doc.save();
        let summary = check(&message(&[saved]), &Limits::default()).unwrap();
        assert_eq!(summary.chunks, 1);
        assert!(summary.column_items > 50);
        // `save` deflates the larger columns: the inflating path is the one checked here.
        assert!(summary.inflated_bytes > 0, "{summary:?}");
        let changes: Vec<Vec<u8>> = doc
            .get_changes(&[])
            .into_iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        let summary = check(&message(&changes), &Limits::default()).unwrap();
        assert_eq!(summary.chunks, changes.len());
    }
}
