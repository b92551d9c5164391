//! From key text to DER bytes: PEM armour (any line endings, indentation,
//! literal `\n` escapes), or a bare base64 body in either alphabet.
//!
//! The scanner works on byte offsets of the text as given, so every error
//! can name the line and column the operator sees in their file.

use super::der::{Shape, modulus_bits, shape};
use super::{KeyError, MAX_DER_LEN, Snippet};

/// How the armour's label classifies the block, before its body is read.
enum Label {
    /// `PUBLIC KEY` or `RSA PUBLIC KEY`: the DER inside tells which.
    PublicKey,
    /// Any `... PRIVATE KEY`.
    PrivateKey,
    /// `CERTIFICATE`, `X509 CERTIFICATE`, `TRUSTED CERTIFICATE`.
    Certificate,
    /// Anything else.
    Unknown,
}

fn classify(label: &str) -> Label {
    let is = |s: &str| label.eq_ignore_ascii_case(s);
    let ends_with = |s: &str| {
        label
            .len()
            .checked_sub(s.len())
            .and_then(|start| label.get(start..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(s))
    };
    if is("PUBLIC KEY") || is("RSA PUBLIC KEY") {
        Label::PublicKey
    } else if ends_with("PRIVATE KEY") {
        Label::PrivateKey
    } else if is("CERTIFICATE") || is("X509 CERTIFICATE") || is("TRUSTED CERTIFICATE") {
        Label::Certificate
    } else {
        Label::Unknown
    }
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
/// `\r\n`, `\n` and `\r` each end a line.
pub(super) fn position(text: &str, offset: usize) -> (usize, usize) {
    let (mut line, mut column) = (1, 1);
    let mut previous = '\0';
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        match c {
            '\n' if previous == '\r' => {}
            '\n' | '\r' => {
                line += 1;
                column = 1;
            }
            _ => column += 1,
        }
        previous = c;
    }
    (line, column)
}

fn line_of(text: &str, offset: usize) -> usize {
    position(text, offset).0
}

/// The part of `text` that holds the key, as a byte range: surrounding
/// whitespace (and a byte-order mark) removed, then one pair of matching
/// quotes, as left by a `.env` file or a JSON/YAML config copied whole.
pub(super) fn content_range(text: &str) -> (usize, usize) {
    let is_space = |c: char| c.is_whitespace() || c == '\u{feff}';
    let trim = |start: usize, end: usize| -> (usize, usize) {
        let inner = text.get(start..end).unwrap_or("");
        let lead = inner.len() - inner.trim_start_matches(is_space).len();
        let trail = inner.len() - inner.trim_end_matches(is_space).len();
        (start + lead, (end - trail).max(start + lead))
    };
    let (start, end) = trim(0, text.len());
    let bytes = text.as_bytes();
    match (
        bytes.get(start),
        end.checked_sub(1).and_then(|i| bytes.get(i)),
    ) {
        (Some(&open), Some(&close))
            if end - start >= 2 && open == close && (open == b'"' || open == b'\'') =>
        {
            trim(start + 1, end - 1)
        }
        _ => (start, end),
    }
}

/// Length of a literal escape at `i` (`\n`, `\r`, `\t`, with any number of
/// backslashes, as double-escaped configs have), which counts as a line
/// break; `None` if there is none.
fn escape_len(bytes: &[u8], i: usize) -> Option<usize> {
    let slashes = bytes.get(i..)?.iter().take_while(|&&b| b == b'\\').count();
    match bytes.get(i + slashes) {
        Some(b'n' | b'r' | b't') if slashes > 0 => Some(slashes + 1),
        _ => None,
    }
}

/// Skips whitespace (Unicode too: a key copied from a web page may carry
/// no-break spaces) and literal escapes from `i`, up to `end`.
fn skip_space(text: &str, mut i: usize, end: usize) -> usize {
    let bytes = text.as_bytes();
    while i < end {
        match bytes.get(i) {
            Some(b) if b.is_ascii_whitespace() || *b == b'\x0b' => i += 1,
            Some(b'\\') => match escape_len(bytes, i) {
                Some(len) => i += len,
                None => break,
            },
            Some(b) if !b.is_ascii() => match text.get(i..).and_then(|s| s.chars().next()) {
                Some(c) if c.is_whitespace() || c == '\u{feff}' => i += c.len_utf8(),
                _ => break,
            },
            _ => break,
        }
    }
    i
}

/// Offset of the first case-insensitive `needle` in `bytes[from..end]`.
fn find(bytes: &[u8], from: usize, end: usize, needle: &[u8]) -> Option<usize> {
    let hay = bytes.get(from..end)?;
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

/// One armour line at `at` (which starts with `-----BEGIN` or `-----END`,
/// `keyword` without dashes): returns the label's byte range and the offset
/// after the closing dashes.
fn armour_line(
    text: &str,
    at: usize,
    keyword: &str,
    end: usize,
) -> Result<((usize, usize), usize), KeyError> {
    let bad = || KeyError::BadArmour {
        line: line_of(text, at),
    };
    let bytes = text.as_bytes();
    let label_start = at + 5 + keyword.len();
    // `-----BEGIN` must be followed by exactly one space, then the label.
    if bytes.get(label_start) != Some(&b' ') {
        return Err(bad());
    }
    let label_start = label_start + 1;
    let mut i = label_start;
    while i < end {
        match bytes.get(i) {
            Some(b'-') if bytes.get(i..i + 5) == Some(b"-----") => {
                return Ok(((label_start, i), i + 5));
            }
            // A label is printable ASCII on one line.
            Some(b) if b.is_ascii_graphic() || *b == b' ' => i += 1,
            _ => break,
        }
    }
    Err(bad())
}

/// Decodes the key text in `text[start..end]` (already trimmed, not JSON)
/// into `buf` and returns the DER bytes.
pub(super) fn decode<'b>(
    text: &str,
    start: usize,
    end: usize,
    buf: &'b mut [u8; MAX_DER_LEN],
) -> Result<&'b [u8], KeyError> {
    let bytes = text.as_bytes();
    let first = skip_space(text, start, end);
    if first >= end {
        return Err(KeyError::Empty);
    }
    let Some(begin) = find(bytes, first, end, b"-----BEGIN") else {
        return decode_bare(text, first, end, buf);
    };
    if begin != first {
        return Err(KeyError::TextOutsideArmour {
            line: line_of(text, first),
        });
    }
    let ((label_start, label_end), body_start) = armour_line(text, begin, "BEGIN", end)?;
    // Stray spaces inside the dashes (`-----BEGIN PUBLIC KEY -----`) are
    // harmless; the label is what matters.
    let label = text.get(label_start..label_end).unwrap_or("").trim();
    let begin_line = line_of(text, begin);
    match classify(label) {
        Label::PublicKey => {}
        Label::PrivateKey => return Err(KeyError::PrivateKey),
        Label::Certificate => return Err(KeyError::Certificate),
        Label::Unknown => {
            return Err(KeyError::UnknownLabel {
                label: Snippet::new(label),
                line: begin_line,
            });
        }
    }
    let Some(end_at) = find(bytes, body_start, end, b"-----END") else {
        return Err(KeyError::MissingEnd { line: begin_line });
    };
    // A second BEGIN before any END: the first block was cut short.
    if find(bytes, body_start, end_at, b"-----BEGIN").is_some() {
        return Err(KeyError::MissingEnd { line: begin_line });
    }
    let ((end_label_start, end_label_end), after) = armour_line(text, end_at, "END", end)?;
    let end_label = text
        .get(end_label_start..end_label_end)
        .unwrap_or("")
        .trim();
    if !end_label.eq_ignore_ascii_case(label) {
        return Err(KeyError::MismatchedEnd {
            line: line_of(text, end_at),
        });
    }
    let rest = skip_space(text, after, end);
    if rest < end {
        return Err(KeyError::TextOutsideArmour {
            line: line_of(text, rest),
        });
    }
    let body_start = skip_space(text, body_start, end_at);
    if body_start >= end_at {
        return Err(KeyError::Empty);
    }
    base64(text, body_start, end_at, buf)
}

/// A body without armour: rule out the look-alikes with a message of their
/// own, then decode it as base64.
fn decode_bare<'b>(
    text: &str,
    start: usize,
    end: usize,
    buf: &'b mut [u8; MAX_DER_LEN],
) -> Result<&'b [u8], KeyError> {
    let bytes = text.as_bytes();
    if let Some(at) = find(bytes, start, end, b"-----END") {
        return Err(KeyError::BadArmour {
            line: line_of(text, at),
        });
    }
    let body = text.get(start..end).unwrap_or("");
    for (prefix, secret) in [
        ("sk_live_", true),
        ("sk_test_", true),
        ("pk_live_", false),
        ("pk_test_", false),
    ] {
        if body.starts_with(prefix) {
            return Err(KeyError::ClerkApiKey { secret });
        }
    }
    if ["ssh-rsa ", "ssh-ed25519 ", "ssh-dss ", "ecdsa-sha2-"]
        .iter()
        .any(|p| body.starts_with(p))
    {
        return Err(KeyError::OpenSshKey);
    }
    base64(text, start, end, buf)
}

/// Value of a base64 character; both alphabets are accepted, even mixed,
/// because Clerk's SDK accepts them.
fn sextet(b: u8) -> Option<u32> {
    let v = match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Decodes the base64 in `text[start..end]`, skipping whitespace and
/// literal escapes; padding is optional but may only come last.
fn base64<'b>(
    text: &str,
    start: usize,
    end: usize,
    buf: &'b mut [u8; MAX_DER_LEN],
) -> Result<&'b [u8], KeyError> {
    let bytes = text.as_bytes();
    let (mut acc, mut bits, mut len, mut chars) = (0u32, 0u32, 0usize, 0usize);
    let (mut pad_at, mut pads) = (None, 0usize);
    let mut overflow = false;
    let mut i = start;
    while i < end {
        let next = skip_space(text, i, end);
        if next != i {
            i = next;
            continue;
        }
        let Some(&b) = bytes.get(i) else { break };
        if b == b'=' {
            pad_at.get_or_insert(i);
            pads += 1;
            i += 1;
            continue;
        }
        let Some(v) = sextet(b) else {
            let (line, column) = position(text, i);
            let found = text.get(i..).and_then(|s| s.chars().next()).unwrap_or('?');
            return Err(KeyError::NotBase64 {
                line,
                column,
                found,
            });
        };
        if let Some(at) = pad_at {
            let (line, column) = position(text, at);
            return Err(KeyError::BadPadding { line, column });
        }
        acc = (acc << 6) | v;
        bits += 6;
        chars += 1;
        if bits >= 8 {
            bits -= 8;
            match buf.get_mut(len) {
                Some(slot) => *slot = (acc >> bits) as u8,
                None => overflow = true,
            }
            len += 1;
            acc &= (1 << bits) - 1;
        }
        i += 1;
    }
    if chars % 4 == 1 {
        return Err(KeyError::TruncatedBase64);
    }
    if let Some(at) = pad_at
        && (pads > 2 || (chars + pads) % 4 != 0)
    {
        let (line, column) = position(text, at);
        return Err(KeyError::BadPadding { line, column });
    }
    if overflow {
        // Too long for a public key; say what it is if the start tells.
        return Err(match shape(buf) {
            Shape::Private => KeyError::PrivateKey,
            Shape::Certificate => KeyError::Certificate,
            _ => match modulus_bits(buf) {
                Some(bits) => KeyError::TooLarge { bits },
                None => KeyError::TooLong,
            },
        });
    }
    Ok(buf.get(..len).unwrap_or(&[]))
}
