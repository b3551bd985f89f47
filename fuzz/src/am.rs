//! Automerge's binary formats, as much as the fuzzer needs to build and mutate them with their
//! structure intact: chunks (with their checksums recomputed, so a mutated chunk gets past the
//! checksum into the column decoders), sync messages, and generated change and document chunks
//! whose columns declare runs of any length (the "RLE bomb") or inflate to any size.
//!
//! The layouts follow `automerge` 0.12 (`storage/chunk.rs`, `storage/change.rs`,
//! `sync.rs`, `sync/bloom.rs`). Reading here is lenient and only for inputs we built.

use std::io::{Read, Write};

use arbitrary::{Result as ArbResult, Unstructured};
use sha2::{Digest, Sha256};

use crate::mutate::{interesting, mutate, sleb, uleb};
use crate::rng::Rng;

pub const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
pub const CHUNK_DOCUMENT: u8 = 0;
pub const CHUNK_CHANGE: u8 = 1;
pub const CHUNK_COMPRESSED: u8 = 2;

/// The most a chunk is inflated to when the fuzzer mutates it (the fuzzer's own memory).
const MAX_INFLATE_FOR_MUTATION: u64 = 4 << 20;

pub type Hash = [u8; 32];

/// SHA-256 of the chunk type, the LEB128 data length and the data: the change hash, whose first
/// four bytes are the checksum.
pub fn chunk_hash(kind: u8, data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([kind]);
    h.update(uleb(data.len() as u64));
    h.update(data);
    h.finalize().into()
}

fn header(out: &mut Vec<u8>, checksum: &[u8], kind: u8, len: usize) {
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&checksum[..4]);
    out.push(kind);
    out.extend(uleb(len as u64));
}

/// A chunk with a valid checksum.
pub fn chunk(kind: u8, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 16);
    header(&mut out, &chunk_hash(kind, data), kind, data.len());
    out.extend_from_slice(data);
    out
}

pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

pub fn inflate(data: &[u8], max: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(data)
        .take(max + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() as u64 <= max).then_some(out)
}

/// A compressed change chunk (type 2) as Automerge writes one: the checksum is the one of the
/// uncompressed change.
pub fn compressed_chunk(change_data: &[u8]) -> Vec<u8> {
    let body = deflate(change_data);
    let mut out = Vec::with_capacity(body.len() + 16);
    header(
        &mut out,
        &chunk_hash(CHUNK_CHANGE, change_data),
        CHUNK_COMPRESSED,
        body.len(),
    );
    out.extend_from_slice(&body);
    out
}

/// DEFLATE of `n` zero bytes (about n / 1000 bytes): a decompression bomb. Cached per size,
/// since the big ones take a moment to make.
pub fn zeros_deflated(n: usize) -> Vec<u8> {
    thread_local! {
        static MADE: std::cell::RefCell<std::collections::HashMap<usize, Vec<u8>>> =
            Default::default();
    }
    if let Some(done) = MADE.with(|m| m.borrow().get(&n).cloned()) {
        return done;
    }
    let out = make_zeros_deflated(n);
    MADE.with(|m| m.borrow_mut().insert(n, out.clone()));
    out
}

fn make_zeros_deflated(n: usize) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    let block = vec![0u8; 1 << 16];
    let mut left = n;
    while left > 0 {
        let k = left.min(block.len());
        let _ = e.write_all(&block[..k]);
        left -= k;
    }
    e.finish().unwrap_or_default()
}

/// A chunk split into (type, checksum, data); `None` unless `bytes` is exactly one chunk.
pub fn split_chunk(bytes: &[u8]) -> Option<(u8, [u8; 4], &[u8])> {
    let rest = bytes.strip_prefix(&MAGIC)?;
    let checksum: [u8; 4] = rest.get(..4)?.try_into().ok()?;
    let kind = *rest.get(4)?;
    let mut c = Cursor::new(&rest[5..]);
    let len = c.uleb()? as usize;
    let data = c.take(len)?;
    c.is_empty().then_some((kind, checksum, data))
}

/// Mutates what is inside a chunk and writes it back with its length and (usually) its
/// checksum right, so Automerge reads past the header into what was mutated.
pub fn mutate_chunk(rng: &mut Rng, bytes: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let Some((kind, checksum, data)) = split_chunk(bytes) else {
        let mut out = bytes.to_vec();
        mutate(rng, &mut out, others, 1 << 20);
        return out;
    };
    let stale_checksum = rng.chance(1, 10);
    if kind == CHUNK_COMPRESSED {
        let Some(mut inner) = inflate(data, MAX_INFLATE_FOR_MUTATION) else {
            return bytes.to_vec();
        };
        mutate(rng, &mut inner, &[], 1 << 20);
        if rng.chance(1, 4) {
            return chunk(CHUNK_CHANGE, &inner);
        }
        let mut out = compressed_chunk(&inner);
        if stale_checksum {
            out[4..8].copy_from_slice(&checksum);
        }
        return out;
    }
    let mut inner = data.to_vec();
    mutate(rng, &mut inner, &[], 1 << 20);
    let mut out = chunk(kind, &inner);
    if stale_checksum {
        out[4..8].copy_from_slice(&checksum);
    }
    if kind == CHUNK_CHANGE && rng.chance(1, 4) {
        out = compressed_chunk(&inner);
    }
    out
}

pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { data, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn uleb(&mut self) -> Option<u64> {
        let mut n: u64 = 0;
        for shift in (0..70).step_by(7) {
            let b = *self.data.get(self.pos)?;
            self.pos += 1;
            if shift < 64 {
                n |= u64::from(b & 0x7f) << shift;
            }
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    fn hashes(&mut self) -> Option<Vec<Hash>> {
        let n = self.uleb()? as usize;
        if n > self.data.len() / 32 {
            return None;
        }
        (0..n)
            .map(|_| self.take(32).and_then(|h| h.try_into().ok()))
            .collect()
    }

    fn rest(&mut self) -> &'a [u8] {
        let out = &self.data[self.pos.min(self.data.len())..];
        self.pos = self.data.len();
        out
    }
}

/// A sync message, field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub version: u8,
    pub heads: Vec<Hash>,
    pub need: Vec<Hash>,
    /// (last sync heads, Bloom filter bytes)
    pub haves: Vec<(Vec<Hash>, Vec<u8>)>,
    pub changes: Vec<Vec<u8>>,
    /// Flag bytes after the changes (length-prefixed on the wire).
    pub flags: Option<Vec<u8>>,
}

impl Msg {
    pub fn parse(bytes: &[u8]) -> Option<Msg> {
        let mut c = Cursor::new(bytes);
        let version = *c.take(1)?.first()?;
        let heads = c.hashes()?;
        let need = c.hashes()?;
        let n = c.uleb()? as usize;
        if n > bytes.len() {
            return None;
        }
        let mut haves = Vec::with_capacity(n);
        for _ in 0..n {
            let last = c.hashes()?;
            let len = c.uleb()? as usize;
            haves.push((last, c.take(len)?.to_vec()));
        }
        let n = c.uleb()? as usize;
        if n > bytes.len() {
            return None;
        }
        let mut changes = Vec::with_capacity(n);
        for _ in 0..n {
            let len = c.uleb()? as usize;
            changes.push(c.take(len)?.to_vec());
        }
        let flags = if c.is_empty() {
            None
        } else {
            let len = c.uleb()? as usize;
            Some(c.take(len)?.to_vec())
        };
        let _ = c.rest();
        Some(Msg {
            version,
            heads,
            need,
            haves,
            changes,
            flags,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.version];
        let hashes = |out: &mut Vec<u8>, hs: &[Hash]| {
            out.extend(uleb(hs.len() as u64));
            for h in hs {
                out.extend_from_slice(h);
            }
        };
        hashes(&mut out, &self.heads);
        hashes(&mut out, &self.need);
        out.extend(uleb(self.haves.len() as u64));
        for (last, bloom) in &self.haves {
            hashes(&mut out, last);
            out.extend(uleb(bloom.len() as u64));
            out.extend_from_slice(bloom);
        }
        out.extend(uleb(self.changes.len() as u64));
        for c in &self.changes {
            out.extend(uleb(c.len() as u64));
            out.extend_from_slice(c);
        }
        if let Some(f) = &self.flags {
            out.extend(uleb(f.len() as u64));
            out.extend_from_slice(f);
        }
        out
    }
}

/// What a generated message may refer to: real hashes (so `need` and heads hit real changes)
/// and real chunks (changes and documents from the corpus).
#[derive(Debug, Default, Clone)]
pub struct Known {
    pub hashes: Vec<Hash>,
    pub chunks: Vec<Vec<u8>>,
}

fn small_count(u: &mut Unstructured<'_>, max: usize) -> ArbResult<usize> {
    u.int_in_range(0..=max)
}

/// An interesting or arbitrary number (for counts and lengths that may lie).
fn wild_u64(u: &mut Unstructured<'_>) -> ArbResult<u64> {
    Ok(match u.int_in_range(0..=3u8)? {
        0 => *u.choose(crate::mutate::INTERESTING)?,
        1 => u.int_in_range(0..=300)?,
        _ => u.arbitrary()?,
    })
}

fn hash(u: &mut Unstructured<'_>, known: &Known) -> ArbResult<Hash> {
    if !known.hashes.is_empty() && u.ratio(3, 4)? {
        Ok(*u.choose(&known.hashes)?)
    } else {
        u.arbitrary()
    }
}

/// Hashes with a count that usually tells the truth.
fn hashes(out: &mut Vec<u8>, u: &mut Unstructured<'_>, known: &Known) -> ArbResult<()> {
    let n = small_count(u, 4)?;
    if u.ratio(1, 12)? {
        out.extend(uleb(wild_u64(u)?));
    } else {
        out.extend(uleb(n as u64));
    }
    for _ in 0..n {
        out.extend_from_slice(&hash(u, known)?);
    }
    Ok(())
}

/// A Bloom filter as Automerge encodes it, usually well formed, sometimes with bit and probe
/// counts at their edges (zero bits, 2^32-1 probes) or bits that do not match its size.
pub fn bloom(u: &mut Unstructured<'_>) -> ArbResult<Vec<u8>> {
    if u.ratio(1, 8)? {
        return Ok(Vec::new());
    }
    let wild = u.ratio(1, 3)?;
    let entries: u64 = if wild {
        wild_u64(u)? & 0xffff_ffff
    } else {
        u.int_in_range(1..=64)?
    };
    let bits_per: u64 = if wild && u.ratio(1, 2)? {
        wild_u64(u)? & 0xffff_ffff
    } else {
        10
    };
    let probes: u64 = if wild && u.ratio(1, 2)? {
        wild_u64(u)? & 0xffff_ffff
    } else {
        7
    };
    let mut out = uleb(entries);
    out.extend(uleb(bits_per));
    out.extend(uleb(probes));
    let size = (entries.saturating_mul(bits_per)).div_ceil(8) as usize;
    let len = if u.ratio(1, 6)? {
        small_count(u, 64)?
    } else {
        size.min(1 << 16)
    };
    for _ in 0..len {
        out.push(u.arbitrary()?);
    }
    Ok(out)
}

/// Column data of one type: runs that are short and real, or that declare any length.
fn column_data(u: &mut Unstructured<'_>, col_type: u8) -> ArbResult<Vec<u8>> {
    let mut out = Vec::new();
    let runs = small_count(u, 4)?;
    for _ in 0..runs {
        match col_type {
            // Boolean: alternating run lengths.
            4 => out.extend(uleb(wild_u64(u)?)),
            // Raw values: bytes.
            7 => {
                let n = small_count(u, 16)?;
                for _ in 0..n {
                    out.push(u.arbitrary()?);
                }
            }
            // RLE (and delta, which is RLE of signed deltas): a repeated value, a literal run
            // (negative count) or a null run (0 then a count).
            _ => {
                let count = wild_u64(u)? as i64;
                match u.int_in_range(0..=2u8)? {
                    0 => {
                        out.extend(sleb(count.unsigned_abs().min(i64::MAX as u64) as i64));
                        value(&mut out, u, col_type)?;
                    }
                    1 => {
                        let n = u.int_in_range(1..=4)?;
                        out.extend(sleb(-n));
                        for _ in 0..n {
                            value(&mut out, u, col_type)?;
                        }
                    }
                    _ => {
                        out.push(0);
                        out.extend(uleb(count as u64));
                    }
                }
            }
        }
    }
    Ok(out)
}

fn value(out: &mut Vec<u8>, u: &mut Unstructured<'_>, col_type: u8) -> ArbResult<()> {
    match col_type {
        // Strings: length-prefixed UTF-8 (or not).
        5 => {
            let s: String = u.arbitrary()?;
            let s: String = s.chars().take(16).collect();
            out.extend(uleb(s.len() as u64));
            out.extend_from_slice(s.as_bytes());
        }
        3 => out.extend(sleb(wild_u64(u)? as i64)),
        _ => out.extend(uleb(wild_u64(u)?)),
    }
    Ok(())
}

/// Column specifications (id << 4 | type) of a change's operations (`change_op_columns.rs`).
const CHANGE_OP_COLUMNS: &[u32] = &[
    0x01, 0x02, 0x11, 0x13, 0x15, 0x34, 0x42, 0x56, 0x57, 0x70, 0x71, 0x73, 0x94, 0xa5,
];
/// Of a document's change metadata and operations (`document/doc_*_columns.rs`).
const DOC_CHANGE_COLUMNS: &[u32] = &[0x01, 0x03, 0x13, 0x23, 0x35, 0x40, 0x43, 0x56, 0x57];
const DOC_OP_COLUMNS: &[u32] = &[
    0x01, 0x02, 0x11, 0x13, 0x15, 0x21, 0x23, 0x34, 0x42, 0x56, 0x57, 0x80, 0x81, 0x83, 0x94, 0xa5,
];

/// Column metadata and data for some of `specs`, sorted as Automerge requires; a column whose
/// spec has the deflate bit (8) holds DEFLATE data, sometimes a bomb.
fn columns(
    u: &mut Unstructured<'_>,
    specs: &[u32],
    allow_deflate: bool,
) -> ArbResult<(Vec<u8>, Vec<u8>)> {
    let mut chosen: Vec<u32> = Vec::new();
    for &s in specs {
        if u.ratio(2, 3)? {
            chosen.push(s);
        }
    }
    if u.ratio(1, 10)? {
        chosen.push(u.int_in_range(0..=0x3ff)?);
    }
    chosen.sort_unstable();
    chosen.dedup();
    let mut meta = uleb(chosen.len() as u64);
    let mut data = Vec::new();
    for spec in chosen {
        let mut bytes = column_data(u, (spec & 7) as u8)?;
        let mut spec = spec;
        if allow_deflate && u.ratio(1, 5)? {
            spec |= 8;
            // Bombs are rare: each costs the server (and this run) tens of milliseconds.
            bytes = if u.ratio(1, 40)? {
                zeros_deflated(*u.choose(&[1usize << 20, 40 << 20, 80 << 20])?)
            } else {
                deflate(&bytes)
            };
        }
        meta.extend(uleb(u64::from(spec)));
        meta.extend(uleb(bytes.len() as u64));
        data.extend(bytes);
    }
    Ok((meta, data))
}

fn actor(out: &mut Vec<u8>, u: &mut Unstructured<'_>) -> ArbResult<()> {
    let n = if u.ratio(7, 8)? {
        16
    } else {
        small_count(u, 40)?
    };
    out.extend(uleb(n as u64));
    for _ in 0..n {
        out.push(u.arbitrary()?);
    }
    Ok(())
}

/// The data of a change chunk: real header fields, operation columns that may declare any
/// number of operations.
pub fn change_data(u: &mut Unstructured<'_>, known: &Known) -> ArbResult<Vec<u8>> {
    let mut out = Vec::new();
    hashes(&mut out, u, known)?;
    actor(&mut out, u)?;
    out.extend(uleb(u.int_in_range(1..=5)?)); // seq
    out.extend(uleb(if u.ratio(1, 10)? {
        wild_u64(u)?
    } else {
        u.int_in_range(1..=100)?
    })); // start op
    out.extend(sleb(u.arbitrary::<i32>()?.into())); // time
    let message: String = u.arbitrary()?;
    out.extend(uleb(message.len() as u64));
    out.extend_from_slice(message.as_bytes());
    let others = small_count(u, 2)?;
    out.extend(uleb(others as u64));
    for _ in 0..others {
        actor(&mut out, u)?;
    }
    let deflate_columns = u.ratio(1, 10)?;
    let (meta, data) = columns(u, CHANGE_OP_COLUMNS, deflate_columns)?;
    out.extend(meta);
    out.extend(data);
    Ok(out)
}

/// The data of a document chunk: actors, heads, change and operation columns (deflated ones
/// included, as documents allow).
pub fn document_data(u: &mut Unstructured<'_>, known: &Known) -> ArbResult<Vec<u8>> {
    let mut out = Vec::new();
    let actors = u.int_in_range(0..=3)?;
    out.extend(uleb(actors));
    for _ in 0..actors {
        actor(&mut out, u)?;
    }
    hashes(&mut out, u, known)?;
    let (change_meta, change_data) = columns(u, DOC_CHANGE_COLUMNS, true)?;
    let (op_meta, op_data) = columns(u, DOC_OP_COLUMNS, true)?;
    out.extend(change_meta);
    out.extend(op_meta);
    out.extend(change_data);
    out.extend(op_data);
    let heads = small_count(u, 3)?;
    for _ in 0..heads {
        out.extend(uleb(wild_u64(u)?));
    }
    Ok(out)
}

/// One chunk for a message's changes: a corpus chunk (as is or mutated with its checksum
/// fixed), a generated change or document, or a decompression bomb.
pub fn any_chunk(u: &mut Unstructured<'_>, rng: &mut Rng, known: &Known) -> ArbResult<Vec<u8>> {
    Ok(match u.int_in_range(0..=9u8)? {
        7 if u.ratio(1, 10)? => {
            // A compressed change that inflates far past anything real; its checksum cannot
            // be right (Automerge inflates before it checks). Rare: each costs the server
            // (and this run) tens of milliseconds.
            let size = *u.choose(&[1usize << 20, 17 << 20, 33 << 20, 65 << 20, 300 << 20])?;
            let body = zeros_deflated(size);
            let mut out = Vec::new();
            header(&mut out, &[0; 4], CHUNK_COMPRESSED, body.len());
            out.extend(body);
            out
        }
        0..=2 if !known.chunks.is_empty() => u.choose(&known.chunks)?.clone(),
        3..=4 if !known.chunks.is_empty() => {
            let c = u.choose(&known.chunks)?.clone();
            mutate_chunk(rng, &c, &known.chunks)
        }
        5 => {
            let data = change_data(u, known)?;
            if u.ratio(1, 3)? {
                compressed_chunk(&data)
            } else {
                chunk(CHUNK_CHANGE, &data)
            }
        }
        6 => chunk(CHUNK_DOCUMENT, &document_data(u, known)?),
        _ => {
            let n = small_count(u, 64)?;
            (0..n).map(|_| u.arbitrary()).collect::<ArbResult<_>>()?
        }
    })
}

/// A sync message built field by field: real or arbitrary hashes, Bloom filters at their
/// edges, chunks from [`any_chunk`], counts that sometimes lie.
pub fn message(u: &mut Unstructured<'_>, rng: &mut Rng, known: &Known) -> ArbResult<Vec<u8>> {
    let mut out = vec![match u.int_in_range(0..=20u8)? {
        0 => u.arbitrary()?,
        1..=10 => 0x42,
        _ => 0x43,
    }];
    hashes(&mut out, u, known)?;
    hashes(&mut out, u, known)?;
    let haves = small_count(u, 2)?;
    out.extend(uleb(haves as u64));
    for _ in 0..haves {
        hashes(&mut out, u, known)?;
        let b = bloom(u)?;
        out.extend(uleb(b.len() as u64));
        out.extend(b);
    }
    let n = small_count(u, 3)?;
    out.extend(uleb(if u.ratio(1, 16)? {
        interesting(rng)
    } else {
        n as u64
    }));
    for _ in 0..n {
        let c = any_chunk(u, rng, known)?;
        out.extend(uleb(c.len() as u64));
        out.extend(c);
    }
    if u.ratio(1, 2)? {
        let flags: Vec<u8> = match u.int_in_range(0..=2u8)? {
            0 => vec![0x02, 0x84],
            1 => vec![0x01],
            _ => u.arbitrary()?,
        };
        out.extend(uleb(flags.len() as u64));
        out.extend(flags);
    }
    Ok(out)
}

/// Mutates a parsed message at the structure level: a chunk mutated with its checksum kept
/// right, a Bloom filter replaced, hashes added or dropped, a bomb chunk appended.
pub fn mutate_message(rng: &mut Rng, msg: &Msg, known: &Known) -> Vec<u8> {
    let mut m = msg.clone();
    let seed = rng.bytes(4096);
    let mut u = Unstructured::new(&seed);
    match rng.below(6) {
        0 if !m.changes.is_empty() => {
            let i = rng.below(m.changes.len());
            m.changes[i] = mutate_chunk(rng, &m.changes[i], &known.chunks);
        }
        1 => {
            let b = bloom(&mut u).unwrap_or_default();
            if m.haves.is_empty() {
                m.haves.push((Vec::new(), b));
            } else {
                let i = rng.below(m.haves.len());
                m.haves[i].1 = b;
            }
        }
        2 => {
            let h = hash(&mut u, known).unwrap_or([0; 32]);
            match rng.below(3) {
                0 => m.heads.push(h),
                1 => m.need.push(h),
                _ => m.heads.clear(),
            }
        }
        3 => {
            if let Ok(c) = any_chunk(&mut u, rng, known) {
                m.changes.push(c);
            }
        }
        4 => {
            if !m.changes.is_empty() {
                let i = rng.below(m.changes.len());
                let c = m.changes[i].clone();
                m.changes.push(c);
            }
        }
        _ => {
            m.version = *rng.pick(&[0x42, 0x43]);
            m.flags = if rng.chance(1, 2) {
                let n = rng.below(4);
                Some(rng.bytes(n))
            } else {
                None
            };
        }
    }
    m.encode()
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{AutoCommit, ReadDoc, transaction::Transactable};

    #[test]
    fn rebuilt_chunks_have_the_checksums_automerge_expects() {
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "k", "a value long enough".repeat(30))
            .unwrap();
        let saved = doc.save();
        let (kind, _, data) = split_chunk(&saved).expect("one chunk");
        assert_eq!(kind, CHUNK_DOCUMENT);
        assert_eq!(chunk(kind, data), saved);
        let change = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
        let (kind, checksum, data) = split_chunk(&change).unwrap();
        assert_eq!(kind, CHUNK_CHANGE);
        assert_eq!(chunk(kind, data), change);
        // Automerge accepts our compressed form of the same change.
        let packed = compressed_chunk(data);
        assert_eq!(&packed[4..8], &checksum);
        let mut other = AutoCommit::new();
        other.load_incremental(&packed).unwrap();
        assert_eq!(other.get_heads(), doc.get_heads());
        assert!(other.get(automerge::ROOT, "k").unwrap().is_some());
    }

    #[test]
    fn messages_parse_and_encode_back_to_the_same_bytes() {
        use automerge::sync::{State, SyncDoc};
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "k", 1).unwrap();
        let mut state = State::new();
        let first = doc
            .sync()
            .generate_sync_message(&mut state)
            .unwrap()
            .encode();
        let m = Msg::parse(&first).expect("parses");
        assert_eq!(m.encode(), first);
        assert_eq!(m.haves.len(), 1);
    }

    #[test]
    fn generated_messages_are_mostly_readable_by_automerge() {
        let mut rng = Rng::new(11);
        let mut readable = 0;
        for _ in 0..200 {
            let seed = rng.bytes(4096);
            let mut u = Unstructured::new(&seed);
            let msg = message(&mut u, &mut rng, &Known::default()).unwrap();
            readable += usize::from(automerge::sync::Message::decode(&msg).is_ok());
        }
        // The generator must reach past the message header most of the time, or it only
        // tests the first parser.
        assert!(readable > 50, "only {readable} of 200 decode");
    }
}
