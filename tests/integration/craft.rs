//! Hand-made Automerge bytes for the red-team tests and the attack benchmark: sync messages,
//! change chunks with valid checksums, and run-length columns, built from the format as
//! Automerge 0.12 reads it (`sync.rs`, `storage/chunk.rs`, `storage/change.rs`), not from the
//! server's guard. Shared with `server/benches/attacks.rs`, which uses other parts of it.
#![allow(dead_code)]

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

pub const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

pub fn uleb(mut n: u64, out: &mut Vec<u8>) {
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

pub fn sleb(mut n: i64, out: &mut Vec<u8>) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        let done = (n == 0 && b & 0x40 == 0) || (n == -1 && b & 0x40 != 0);
        if done {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// The SHA-256 Automerge hashes a chunk by: type, length, data. For a change chunk this is the
/// change hash; its first 4 bytes are the chunk's checksum.
pub fn chunk_hash(kind: u8, data: &[u8]) -> Hash {
    let mut head = vec![kind];
    uleb(data.len() as u64, &mut head);
    let mut h = Sha256::new();
    h.update(&head);
    h.update(data);
    h.finalize().into()
}

/// A chunk with a valid checksum.
pub fn chunk(kind: u8, data: &[u8]) -> Vec<u8> {
    let hash = chunk_hash(kind, data);
    let mut out = MAGIC.to_vec();
    out.extend(&hash[..4]);
    out.push(kind);
    uleb(data.len() as u64, &mut out);
    out.extend(data);
    out
}

/// Splits a chunk into (type, data), trusting its header.
pub fn chunk_parts(chunk: &[u8]) -> (u8, Vec<u8>) {
    let kind = chunk[8];
    let mut i = 9;
    let mut len = 0u64;
    let mut shift = 0;
    loop {
        let b = chunk[i];
        len |= u64::from(b & 0x7f) << shift;
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    (kind, chunk[i..i + len as usize].to_vec())
}

/// One `have` of a sync message: the sender's last-sync heads and its Bloom filter bytes.
pub struct Have {
    pub last_sync: Vec<Hash>,
    pub bloom: Vec<u8>,
}

/// Bloom filter bytes: entries, bits per entry, probes, then exactly the bits Automerge reads.
pub fn bloom(entries: u32, bits_per_entry: u32, probes: u32, fill: u8) -> Vec<u8> {
    let mut out = Vec::new();
    uleb(entries.into(), &mut out);
    uleb(bits_per_entry.into(), &mut out);
    uleb(probes.into(), &mut out);
    let bytes = ((f64::from(entries) * f64::from(bits_per_entry)) / 8.0).ceil() as usize;
    out.extend(std::iter::repeat_n(fill, bytes));
    out
}

/// A sync message (type 0x42). `flags` appends the flags section a current peer sends (which
/// tells Automerge the peer takes whole-document answers).
pub fn message(
    heads: &[Hash],
    need: &[Hash],
    haves: &[Have],
    changes: &[Vec<u8>],
    flags: bool,
) -> Vec<u8> {
    let mut out = vec![0x42];
    hashes(heads, &mut out);
    hashes(need, &mut out);
    uleb(haves.len() as u64, &mut out);
    for h in haves {
        hashes(&h.last_sync, &mut out);
        uleb(h.bloom.len() as u64, &mut out);
        out.extend(&h.bloom);
    }
    uleb(changes.len() as u64, &mut out);
    for c in changes {
        uleb(c.len() as u64, &mut out);
        out.extend(c);
    }
    if flags {
        out.extend([2, 0x02, 0x80 | 0x04]);
    }
    out
}

fn hashes(hs: &[Hash], out: &mut Vec<u8>) {
    uleb(hs.len() as u64, out);
    for h in hs {
        out.extend(h);
    }
}

/// A change chunk's fields, written in the order `storage/change.rs` reads them.
#[derive(Clone, Debug)]
pub struct RawChange {
    pub deps: Vec<Hash>,
    pub actor: Vec<u8>,
    pub seq: u64,
    pub start_op: u64,
    pub time: i64,
    pub message: String,
    pub other_actors: Vec<Vec<u8>>,
    /// (column spec, data), sorted by spec.
    pub columns: Vec<(u64, Vec<u8>)>,
    pub extra: Vec<u8>,
}

impl RawChange {
    pub fn new(actor: &[u8], seq: u64, start_op: u64, deps: &[Hash]) -> Self {
        let mut deps = deps.to_vec();
        deps.sort_unstable();
        Self {
            deps,
            actor: actor.to_vec(),
            seq,
            start_op,
            time: 0,
            message: String::new(),
            other_actors: vec![],
            columns: vec![],
            extra: vec![],
        }
    }

    pub fn with_columns(mut self, columns: Vec<(u64, Vec<u8>)>) -> Self {
        self.columns = columns;
        self
    }

    pub fn body(&self) -> Vec<u8> {
        let mut out = Vec::new();
        hashes(&self.deps, &mut out);
        uleb(self.actor.len() as u64, &mut out);
        out.extend(&self.actor);
        uleb(self.seq, &mut out);
        uleb(self.start_op, &mut out);
        sleb(self.time, &mut out);
        uleb(self.message.len() as u64, &mut out);
        out.extend(self.message.as_bytes());
        uleb(self.other_actors.len() as u64, &mut out);
        for a in &self.other_actors {
            uleb(a.len() as u64, &mut out);
            out.extend(a);
        }
        uleb(self.columns.len() as u64, &mut out);
        for (spec, data) in &self.columns {
            uleb(*spec, &mut out);
            uleb(data.len() as u64, &mut out);
        }
        for (_, data) in &self.columns {
            out.extend(data);
        }
        out.extend(&self.extra);
        out
    }

    pub fn chunk(&self) -> Vec<u8> {
        chunk(1, &self.body())
    }

    pub fn hash(&self) -> Hash {
        chunk_hash(1, &self.body())
    }
}

/// Column specs of change ops: (column id << 4) | type.
pub mod col {
    pub const OBJ_ACTOR: u64 = 0x01;
    pub const OBJ_CTR: u64 = 0x02;
    pub const KEY_ACTOR: u64 = 0x11;
    pub const KEY_CTR: u64 = 0x13;
    pub const KEY_STR: u64 = 0x15;
    pub const INSERT: u64 = 0x34;
    pub const ACTION: u64 = 0x42;
    pub const VAL_META: u64 = 0x56;
    pub const VAL_RAW: u64 = 0x57;
    pub const PRED_NUM: u64 = 0x70;
    pub const PRED_ACTOR: u64 = 0x71;
    pub const PRED_CTR: u64 = 0x73;
}

/// Automerge writes a single value as a literal run (-1), never as a repeat run of one: the
/// canonical form, which a change must keep for its hash to survive a save and load.
fn run_count(n: i64, canonical: bool) -> i64 {
    if n == 1 && canonical { -1 } else { n }
}

/// A run-length column holding `n` copies of one unsigned value.
pub fn rle_uint(n: i64, v: u64) -> Vec<u8> {
    rle_uint_as(n, v, true)
}

/// As [`rle_uint`]; `canonical: false` writes one value as a repeat run of one, which
/// Automerge reads but never writes.
pub fn rle_uint_as(n: i64, v: u64, canonical: bool) -> Vec<u8> {
    let mut out = Vec::new();
    sleb(run_count(n, canonical), &mut out);
    uleb(v, &mut out);
    out
}

/// A run-length column holding `n` copies of one string.
pub fn rle_str(n: i64, s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    sleb(run_count(n, true), &mut out);
    uleb(s.len() as u64, &mut out);
    out.extend(s.as_bytes());
    out
}

/// A boolean column of `n` falses.
pub fn bool_false(n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    uleb(n, &mut out);
    out
}

/// `n` ops, each `root[key] = null`, without predecessors: `n` conflicting values of one key,
/// a few dozen bytes whatever `n`.
pub fn mass_put_columns(n: i64, key: &str) -> Vec<(u64, Vec<u8>)> {
    vec![
        (col::KEY_STR, rle_str(n, key)),
        (col::INSERT, bool_false(n as u64)),
        (col::ACTION, rle_uint(n, 1)),
        (col::VAL_META, rle_uint(n, 0)),
        (col::PRED_NUM, rle_uint(n, 0)),
    ]
}

/// One op: `root[key] = null`, overwriting the op `pred` (counter, actor index) if given.
pub fn one_put_columns(key: &str, pred: Option<(u64, u64)>) -> Vec<(u64, Vec<u8>)> {
    let mut cols = vec![
        (col::KEY_STR, rle_str(1, key)),
        (col::INSERT, bool_false(1)),
        (col::ACTION, rle_uint(1, 1)),
        (col::VAL_META, rle_uint(1, 0)),
    ];
    match pred {
        None => cols.push((col::PRED_NUM, rle_uint(1, 0))),
        Some((ctr, actor)) => {
            cols.push((col::PRED_NUM, rle_uint(1, 1)));
            cols.push((col::PRED_ACTOR, rle_uint(1, actor)));
            let mut delta = Vec::new();
            sleb(-1, &mut delta);
            sleb(ctr as i64, &mut delta);
            cols.push((col::PRED_CTR, delta));
        }
    }
    cols
}

/// Deflates `n` zero bytes (a decompression bomb of about n/1000 bytes).
pub fn deflated_zeros(n: usize) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(block.len());
        enc.write_all(&block[..k]).unwrap();
        left -= k;
    }
    enc.finish().unwrap()
}

/// [`one_put_columns`] without a predecessor, its action column written as a repeat run of one
/// (`01 01` where Automerge writes `7f 01`): same ops, other bytes, so another hash.
pub fn one_put_non_canonical(key: &str) -> Vec<(u64, Vec<u8>)> {
    let mut cols = one_put_columns(key, None);
    cols[2].1 = rle_uint_as(1, 1, false);
    cols
}

/// One op `root[key] = value` (a string), its action column canonical or not.
pub fn put_str_columns(key: &str, value: &str, canonical: bool) -> Vec<(u64, Vec<u8>)> {
    let mut meta = Vec::new();
    sleb(-1, &mut meta);
    uleb(((value.len() as u64) << 4) | 6, &mut meta);
    vec![
        (col::KEY_STR, rle_str(1, key)),
        (col::INSERT, bool_false(1)),
        (col::ACTION, rle_uint_as(1, 1, canonical)),
        (col::VAL_META, meta),
        (col::VAL_RAW, value.as_bytes().to_vec()),
        (col::PRED_NUM, rle_uint(1, 0)),
    ]
}
