//! Little-endian readers and writers shared by the stored formats
//! ([`crate::Fingerprints::to_bytes`], [`crate::ReferenceSet::write_to`]).

use crate::Error;

/// Version of normalisation and hashing. Stored fingerprints and indexes
/// carry it, and data made by another version is refused with
/// [`Error::StaleAlgorithm`]: its hashes would silently never match.
///
/// Bump it whenever anything changes the normalised stream (folding tables,
/// ICU data, filtering) or the hash of a k-gram (rolling hash, key
/// derivation, selection, emission).
///
/// History: 1, rolling hash modulo 2^61 − 1; 2, rolling hash modulo 2^64
/// (different select values, so different k-grams are selected).
pub const ALGORITHM_VERSION: u8 = 2;

/// A bounds-checked cursor over stored bytes: every read either succeeds or
/// reports [`Error::Corrupt`].
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

pub(crate) fn corrupt(what: &'static str) -> Error {
    Error::Corrupt { what }
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.bytes.len() {
            return Err(corrupt("truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, Error> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// An unsigned LEB128 varint in its shortest form (so that every value
    /// has exactly one encoding and a decoded file re-encodes to itself).
    pub(crate) fn varint(&mut self) -> Result<u64, Error> {
        let mut value = 0u64;
        for i in 0..10 {
            let b = self.u8()?;
            let bits = u64::from(b & 0x7F);
            if i == 9 && b > 1 {
                return Err(corrupt("varint overflows 64 bits"));
            }
            value |= bits << (7 * i);
            if b & 0x80 == 0 {
                if b == 0 && i > 0 {
                    return Err(corrupt("varint not in shortest form"));
                }
                return Ok(value);
            }
        }
        Err(corrupt("varint too long"))
    }

    /// A varint that must fit in a `u32`.
    pub(crate) fn varint_u32(&mut self) -> Result<u32, Error> {
        u32::try_from(self.varint()?).map_err(|_| corrupt("value exceeds 32 bits"))
    }

    pub(crate) fn finish(&self) -> Result<(), Error> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(corrupt("trailing bytes"))
        }
    }
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Splits off and verifies the trailing 8-byte [`checksum`] of `bytes`.
pub(crate) fn verify_checksum(bytes: &[u8]) -> Result<&[u8], Error> {
    let Some(body_len) = bytes.len().checked_sub(8) else {
        return Err(corrupt("truncated"));
    };
    let (body, sum) = bytes.split_at(body_len);
    let mut stored = [0u8; 8];
    stored.copy_from_slice(sum);
    if u64::from_le_bytes(stored) != checksum(body) {
        return Err(corrupt("checksum mismatch"));
    }
    Ok(body)
}

/// Overwrites the trailing 8 bytes of `bytes` with the checksum of the rest.
/// Only for fuzzing and tests: it lets mutated data reach the structural
/// validation behind the checksum. Not part of the API.
pub fn reseal(bytes: &mut [u8]) {
    let n = bytes.len().saturating_sub(8);
    let sum = checksum(&bytes[..n]).to_le_bytes();
    for (b, s) in bytes[n..].iter_mut().zip(sum) {
        *b = s;
    }
}

/// A fast unkeyed 64-bit checksum against accidental corruption (truncated
/// copies, flipped bits), not against tampering: four independent lanes of
/// `(lane ^ word) · odd` and a rotation, each step a bijection of the lane, so
/// any change to a single word always changes the result.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    const ODD: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut lanes = [0x6d61_7275_6869_0001u64, 0x6d61_7275_6869_0002, 0x6d61_7275_6869_0003, 0x6d61_7275_6869_0004];
    let mut chunks = bytes.chunks_exact(32);
    for chunk in &mut chunks {
        for (lane, word) in lanes.iter_mut().zip(chunk.chunks_exact(8)) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            *lane = (*lane ^ u64::from_le_bytes(w)).wrapping_mul(ODD).rotate_left(29);
        }
    }
    let mut tail = [0u8; 32];
    let rest = chunks.remainder();
    tail[..rest.len()].copy_from_slice(rest);
    for (lane, word) in lanes.iter_mut().zip(tail.chunks_exact(8)) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        *lane = (*lane ^ u64::from_le_bytes(w)).wrapping_mul(ODD).rotate_left(29);
    }
    let mut h = bytes.len() as u64;
    for lane in lanes {
        h = crate::winnow::mix(h ^ lane);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_are_canonical() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX.into(), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            let mut r = Reader::new(&out);
            assert_eq!(r.varint(), Ok(v));
            assert!(r.finish().is_ok());
        }
        assert!(Reader::new(&[0x80, 0x00]).varint().is_err());
        assert!(Reader::new(&[0xFF; 10]).varint().is_err());
        assert!(Reader::new(&[0x80]).varint().is_err());
    }

    #[test]
    fn checksum_sees_every_bit() {
        let data: Vec<u8> = (0..100u8).collect();
        let base = checksum(&data);
        for i in 0..data.len() * 8 {
            let mut d = data.clone();
            d[i / 8] ^= 1 << (i % 8);
            assert_ne!(checksum(&d), base, "bit {i}");
        }
        assert_ne!(checksum(&data[..99]), base);
    }
}
