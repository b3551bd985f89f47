//! Byte-level mutations of valid inputs, with a bias for Automerge's LEB128-heavy format: most
//! of its lengths, counts and column runs are LEB128 numbers, so writing an interesting number
//! over one is what finds allocation and loop bombs.

use crate::rng::Rng;

/// Numbers at the edges of what parsers handle: 0, 1, one-byte and multi-byte LEB128
/// boundaries, i32/u32/i64 limits.
pub const INTERESTING: &[u64] = &[
    0,
    1,
    2,
    7,
    8,
    10,
    0x3f,
    0x40,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x3fff,
    0x4000,
    0x7fff,
    0xffff,
    0x1_0000,
    0x7f_ffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
    0x1_0000_0000,
    0xff_ffff_ffff,
    0x7fff_ffff_ffff_ffff,
    u64::MAX,
];

pub fn uleb(mut n: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

pub fn sleb(mut n: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        let done = (n == 0 && byte & 0x40 == 0) || (n == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// An interesting number, sometimes off by one, sometimes as a negative signed value.
pub fn interesting(rng: &mut Rng) -> u64 {
    let n = *rng.pick(INTERESTING);
    match rng.below(4) {
        0 => n.wrapping_add(1),
        1 => n.wrapping_sub(1),
        _ => n,
    }
}

/// An interesting number in LEB128, unsigned or signed (RLE run lengths are signed).
pub fn interesting_leb(rng: &mut Rng) -> Vec<u8> {
    let n = interesting(rng);
    if rng.chance(1, 3) {
        sleb(if rng.chance(1, 2) {
            n as i64
        } else {
            (n as i64).wrapping_neg()
        })
    } else {
        uleb(n)
    }
}

/// The length of the LEB128 number starting at `at` (at most 10 bytes, or to the end).
fn leb_len(data: &[u8], at: usize) -> usize {
    data[at..]
        .iter()
        .take(10)
        .position(|b| b & 0x80 == 0)
        .map_or((data.len() - at).min(10), |p| p + 1)
}

/// Applies one to four random mutations to `data`, keeping it at most `max_len` bytes.
/// `others` are inputs to splice from.
pub fn mutate(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>], max_len: usize) {
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        mutate_once(rng, data, others);
    }
    data.truncate(max_len);
}

fn mutate_once(rng: &mut Rng, data: &mut Vec<u8>, others: &[Vec<u8>]) {
    if data.is_empty() {
        let n = 1 + rng.below(16);
        data.extend(rng.bytes(n));
        return;
    }
    let len = data.len();
    let at = rng.below(len);
    match rng.below(12) {
        0 => data[at] ^= 1 << rng.below(8),
        1 => data[at] = rng.byte(),
        2 => data[at] = *rng.pick(&[0u8, 1, 0x7f, 0x80, 0xff, 0x42, 0x43, 0x85]),
        3 => {
            let n = 1 + rng.below(16);
            let bytes = rng.bytes(n);
            data.splice(at..at, bytes);
        }
        4 => {
            let n = 1 + rng.below((len - at).min(64));
            data.drain(at..at + n);
        }
        5 => {
            // Overwrite the LEB128 number that starts here with an interesting one.
            let old = leb_len(data, at);
            let new = interesting_leb(rng);
            data.splice(at..at + old, new);
        }
        6 => {
            let new = interesting_leb(rng);
            data.splice(at..at, new);
        }
        7 => {
            let n = 1 + rng.below((len - at).min(256));
            let copy = data[at..at + n].to_vec();
            let to = rng.below(len + 1);
            let times = 1 + rng.below(8);
            for _ in 0..times {
                data.splice(to..to, copy.iter().copied());
            }
        }
        8 => {
            // Splice: our head with another input's tail.
            if let Some(other) = (!others.is_empty()).then(|| rng.pick(others)) {
                let from = rng.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
        }
        9 => data.truncate(at),
        10 => {
            // A run of one byte: long RLE-like stretches.
            let n = 1 + rng.below(512);
            let b = *rng.pick(&[0u8, 0xff, 0x7f, 0x80]);
            data.splice(at..at, std::iter::repeat_n(b, n));
        }
        _ => {
            let n = 1 + rng.below((len - at).min(8));
            for b in &mut data[at..at + n] {
                *b = b.wrapping_add(rng.byte() % 3).wrapping_sub(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_matches_the_known_encodings() {
        assert_eq!(uleb(0), [0]);
        assert_eq!(uleb(0x7f), [0x7f]);
        assert_eq!(uleb(0x80), [0x80, 0x01]);
        assert_eq!(uleb(0xffff_ffff), [0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(sleb(-1), [0x7f]);
        assert_eq!(sleb(63), [0x3f]);
        assert_eq!(sleb(64), [0xc0, 0x00]);
        assert_eq!(sleb(-65), [0xbf, 0x7f]);
    }

    #[test]
    fn mutations_change_the_input_and_respect_the_cap() {
        let mut rng = Rng::new(3);
        let base: Vec<u8> = (0..200).collect();
        let mut changed = 0;
        for _ in 0..200 {
            let mut d = base.clone();
            mutate(&mut rng, &mut d, std::slice::from_ref(&base), 300);
            assert!(d.len() <= 300);
            changed += usize::from(d != base);
        }
        assert!(
            changed > 150,
            "only {changed} of 200 mutations changed anything"
        );
    }
}
