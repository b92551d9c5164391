//! Base64url decoding with the rules of Clerk's decoder (`loose` mode).
//!
//! Trailing `=` are ignored (any number of them), only `A-Z a-z 0-9 - _` are
//! accepted, an unpadded length of 1 mod 4 is an error, and so are non-zero
//! unused bits in the last character: every byte string has exactly one
//! accepted encoding, so two different tokens never carry the same bytes.

/// Why a segment is not base64url.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Base64Error {
    /// A byte outside the base64url alphabet (a `=` before the end included).
    InvalidByte {
        /// Offset of the byte in the input.
        offset: usize,
    },
    /// The unpadded length is 1 mod 4: no byte string encodes to that.
    InvalidLength,
    /// The last character has non-zero unused bits.
    NonCanonical,
    /// The decoded bytes do not fit the output buffer.
    BufferTooSmall,
}

/// Marks bytes that are not in the alphabet.
const INVALID: u8 = 0xff;

/// Maps an input byte to its 6-bit value, or [`INVALID`].
#[allow(clippy::indexing_slicing)] // const evaluation: an out-of-range index fails the build
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The 6-bit value of `byte`, or [`INVALID`].
#[inline(always)]
fn sextet(byte: u8) -> u8 {
    #[allow(clippy::indexing_slicing)] // a u8 always indexes a 256-entry table
    DECODE[usize::from(byte)]
}

/// The input without its trailing `=` characters.
fn strip_padding(input: &[u8]) -> &[u8] {
    let mut end = input.len();
    while let Some(end_minus_one) = end.checked_sub(1) {
        if input.get(end_minus_one) != Some(&b'=') {
            break;
        }
        end = end_minus_one;
    }
    input.get(..end).unwrap_or(input)
}

/// Number of bytes `input` decodes to, after validating its length (but not
/// its characters).
pub fn decoded_len(input: &[u8]) -> Result<usize, Base64Error> {
    let len = strip_padding(input).len();
    match len % 4 {
        1 => Err(Base64Error::InvalidLength),
        0 => Ok(len / 4 * 3),
        rem => Ok(len / 4 * 3 + rem - 1),
    }
}

/// Decodes `input` into the start of `out` and returns the number of bytes
/// written.
pub fn decode(input: &[u8], out: &mut [u8]) -> Result<usize, Base64Error> {
    let data = strip_padding(input);
    let len = decoded_len(data)?;
    let out = out.get_mut(..len).ok_or(Base64Error::BufferTooSmall)?;
    let value = |offset: usize, byte: u8| -> Result<u32, Base64Error> {
        match sextet(byte) {
            INVALID => Err(Base64Error::InvalidByte { offset }),
            v => Ok(u32::from(v)),
        }
    };

    let mut chunks = data.chunks_exact(4);
    let mut outs = out.chunks_exact_mut(3);
    for (chunk, dst) in (&mut chunks).zip(&mut outs) {
        let &[a, b, c, d] = chunk else { continue };
        let (a, b, c, d) = (sextet(a), sextet(b), sextet(c), sextet(d));
        // One test per four characters: `INVALID` is the only value with
        // its top bit set.
        if (a | b | c | d) & 0x80 != 0 {
            return Err(first_invalid(data));
        }
        let word = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        if let [x, y, z] = dst {
            *x = (word >> 16) as u8;
            *y = (word >> 8) as u8;
            *z = word as u8;
        }
    }
    let offset = data.len() - chunks.remainder().len();

    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut word = 0u32;
        for (i, &byte) in tail.iter().enumerate() {
            word = (word << 6) | value(offset + i, byte)?;
        }
        // 2 characters carry 1 byte (4 spare bits), 3 carry 2 (2 spare bits).
        let spare_bits = if tail.len() == 2 { 4 } else { 2 };
        if word & ((1 << spare_bits) - 1) != 0 {
            return Err(Base64Error::NonCanonical);
        }
        let bytes = (word >> spare_bits).to_be_bytes();
        let dst = outs.into_remainder();
        let src = bytes
            .get(4 - dst.len()..)
            .ok_or(Base64Error::InvalidLength)?;
        dst.copy_from_slice(src);
    }
    Ok(len)
}

/// The error for the first byte of `data` outside the alphabet.
#[cold]
fn first_invalid(data: &[u8]) -> Base64Error {
    let offset = data.iter().position(|&b| sextet(b) == INVALID).unwrap_or(0);
    Base64Error::InvalidByte { offset }
}

/// Checks that `input` is valid base64url without decoding it anywhere.
pub fn validate(input: &[u8]) -> Result<usize, Base64Error> {
    let data = strip_padding(input);
    let len = decoded_len(data)?;
    if let Some(offset) = data.iter().position(|&b| sextet(b) == INVALID) {
        return Err(Base64Error::InvalidByte { offset });
    }
    if let Some(&last) = data.last() {
        let spare_mask = match data.len() % 4 {
            2 => 0b1111,
            3 => 0b11,
            _ => 0,
        };
        if sextet(last) & spare_mask != 0 {
            return Err(Base64Error::NonCanonical);
        }
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn dec(s: &str) -> Result<([u8; 64], usize), Base64Error> {
        let mut out = [0u8; 64];
        let n = decode(s.as_bytes(), &mut out)?;
        assert_eq!(validate(s.as_bytes()), Ok(n));
        Ok((out, n))
    }

    #[test]
    fn decodes_all_tail_lengths() {
        for (enc, plain) in [
            ("", &b""[..]),
            ("Zg", b"f"),
            ("Zm8", b"fo"),
            ("Zm9v", b"foo"),
            ("Zm9vYg", b"foob"),
            ("Zm9vYmE", b"fooba"),
            ("Zm9vYmFy", b"foobar"),
            ("-_8", &[0xfb, 0xff]),
        ] {
            let (out, n) = dec(enc).unwrap();
            assert_eq!(&out[..n], plain, "{enc}");
        }
    }

    #[test]
    fn ignores_any_number_of_trailing_padding() {
        assert_eq!(dec("Zg==").unwrap().1, 1);
        assert_eq!(dec("Zg=====").unwrap().1, 1);
        assert_eq!(dec("====").unwrap().1, 0);
    }

    #[test]
    fn rejects_what_clerk_rejects() {
        assert_eq!(dec("Z"), Err(Base64Error::InvalidLength));
        assert_eq!(dec("Zm9vY"), Err(Base64Error::InvalidLength));
        assert_eq!(dec("Zh"), Err(Base64Error::NonCanonical));
        assert_eq!(dec("Zm9"), Err(Base64Error::NonCanonical));
        assert_eq!(dec("Zm+v"), Err(Base64Error::InvalidByte { offset: 2 }));
        assert_eq!(dec("Zm/v"), Err(Base64Error::InvalidByte { offset: 2 }));
        assert_eq!(dec("Zg=v"), Err(Base64Error::InvalidByte { offset: 2 }));
        assert_eq!(dec(" Zm9"), Err(Base64Error::InvalidByte { offset: 0 }));
        assert_eq!(dec("Zm9\n"), Err(Base64Error::InvalidByte { offset: 3 }));
    }

    #[test]
    fn reports_a_small_buffer() {
        let mut out = [0u8; 2];
        assert_eq!(decode(b"Zm9v", &mut out), Err(Base64Error::BufferTooSmall));
    }
}
