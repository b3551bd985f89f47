//! Session files and session codes (`shared::bundle`): what a tablet reads from another tablet
//! with no server in between. `read_sessions` must refuse, never panic; what it accepts must
//! write back and read again the same; a code must carry its file exactly.

use arbitrary::Unstructured;
use tachkhis_shared::bundle::{self, Entry, MAGIC};
use uuid::Uuid;

use crate::{
    Outcome, Target,
    am::{self, Known},
    corpus,
    mutate::mutate,
    rng::Rng,
};

const MAX_INPUT: usize = 2 << 20;

pub struct BundleTarget {
    /// Session codes (QR text) rather than files.
    codes: bool,
    files: Vec<Vec<u8>>,
    entries: Vec<Vec<Entry>>,
    known: Known,
}

impl BundleTarget {
    pub fn new(codes: bool) -> BundleTarget {
        let files = corpus::session_files();
        let entries: Vec<Vec<Entry>> = files
            .iter()
            .filter_map(|f| bundle::decode(f).ok())
            .collect();
        let mut known = Known::default();
        for e in entries.iter().flatten() {
            known.chunks.push(e.doc.clone());
            if let Ok(mut d) = automerge::AutoCommit::load(&e.doc) {
                known.hashes.extend(d.get_heads().iter().map(|h| h.0));
                for c in d.get_changes(&[]).into_iter().take(32) {
                    known.chunks.push(c.raw_bytes().to_vec());
                }
            }
        }
        BundleTarget {
            codes,
            files,
            entries,
            known,
        }
    }

    /// A file: a corpus file mutated as bytes, or its entries changed and written again with
    /// the bundle's own encoder (so the header and lengths are right and the documents inside
    /// are what is under test).
    fn file(&self, rng: &mut Rng) -> Vec<u8> {
        if rng.chance(1, 3) {
            let mut f = rng.pick(&self.files).clone();
            mutate(rng, &mut f, &self.files, MAX_INPUT);
            return f;
        }
        let mut entries = rng.pick(&self.entries).clone();
        let seed = rng.bytes(4096);
        let mut u = Unstructured::new(&seed);
        let rounds = 1 + rng.below(2);
        for _ in 0..rounds {
            let i = rng.below(entries.len());
            match rng.below(8) {
                0 | 1 => entries[i].doc = am::mutate_chunk(rng, &entries[i].doc, &[]),
                2 => {
                    let mut d = entries[i].doc.clone();
                    mutate(rng, &mut d, &self.known.chunks, MAX_INPUT);
                    entries[i].doc = d;
                }
                3 => {
                    // A document followed by more chunks (generated, corpus, or a bomb).
                    if let Ok(c) = am::any_chunk(&mut u, rng, &self.known) {
                        entries[i].doc.extend(c);
                    }
                }
                4 => {
                    if let Ok(d) = am::document_data(&mut u, &self.known) {
                        entries[i].doc = am::chunk(am::CHUNK_DOCUMENT, &d);
                    }
                }
                5 => entries[i].id = Uuid::from_u128(u128::from(rng.next_u64())),
                6 => {
                    let e = entries[i].clone();
                    entries.push(e);
                }
                _ => {
                    let other = rng.pick(&self.entries);
                    entries.push(rng.pick(other).clone());
                }
            }
        }
        bundle::encode(&entries)
    }
}

impl Target for BundleTarget {
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        if !self.codes {
            return self.file(rng);
        }
        match rng.below(6) {
            0 => {
                // Text mutated within the base45 alphabet (and sometimes outside it).
                let file = rng.pick(&self.files).clone();
                let mut code = bundle::to_code(&file).into_bytes();
                let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
                let n = 1 + rng.below(4);
                for _ in 0..n {
                    let at = rng.below(code.len().max(1));
                    match rng.below(4) {
                        0 if !code.is_empty() => code[at] = *rng.pick(alphabet),
                        1 => code.insert(at.min(code.len()), *rng.pick(alphabet)),
                        2 if !code.is_empty() => {
                            code.remove(at);
                        }
                        _ => code.insert(at.min(code.len()), *rng.pick(b" \n\tz\xc3")),
                    }
                }
                code
            }
            1 => {
                // A bomb: the magic, then zeros, deflated (the limit is 1 MiB inflated).
                let size = *rng.pick(&[1usize << 20, (1 << 20) + 1, 8 << 20]);
                let mut raw = MAGIC.to_vec();
                raw.resize(size, 0);
                bundle::base45_encode(&am::deflate(&raw)).into_bytes()
            }
            2 => {
                // Deflated bytes that do not start with the magic, or raw bytes.
                let mut raw = rng.pick(&self.files).clone();
                mutate(rng, &mut raw, &self.files, MAX_INPUT);
                let bytes = if rng.chance(1, 2) {
                    am::deflate(&raw)
                } else {
                    raw
                };
                bundle::base45_encode(&bytes).into_bytes()
            }
            _ => bundle::to_code(&self.file(rng)).into_bytes(),
        }
    }

    fn execute(&mut self, input: &[u8]) -> Outcome {
        if self.codes {
            // Base45 carries any bytes exactly.
            if bundle::base45_decode(&bundle::base45_encode(input)).as_deref() != Some(input) {
                return Outcome::Broken("base45 does not round-trip these bytes".into());
            }
            let text = String::from_utf8_lossy(input);
            let file = match bundle::from_code(&text) {
                Ok(f) => f,
                Err(_) => return Outcome::Refused,
            };
            if bundle::from_code(&bundle::to_code(&file)).as_ref() != Ok(&file) {
                return Outcome::Broken("a decoded file does not survive to_code/from_code".into());
            }
            return read_back(&file);
        }
        read_back(input)
    }
}

/// Reads a file; what it accepts must save, write and read again as the same sessions.
fn read_back(file: &[u8]) -> Outcome {
    let Ok(sessions) = bundle::read_sessions(file) else {
        return Outcome::Refused;
    };
    let mut entries = Vec::with_capacity(sessions.len());
    let mut read = Vec::with_capacity(sessions.len());
    for mut s in sessions {
        entries.push(Entry {
            id: s.id,
            doc: s.doc.save(),
        });
        read.push(s.session);
    }
    match bundle::read_sessions(&bundle::encode(&entries)) {
        Ok(again) => {
            let again: Vec<_> = again.into_iter().map(|s| s.session).collect();
            if again == read {
                Outcome::Accepted
            } else {
                Outcome::Broken("an accepted file reads differently once saved again".into())
            }
        }
        Err(e) => Outcome::Broken(format!("an accepted file, saved again, is refused: {e}")),
    }
}
