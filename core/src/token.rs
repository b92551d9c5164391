//! Splitting a compact JWS and decoding its segments into the caller's buffer.

use crate::base64url;
use crate::error::{DecodeError, Segment, TokenError};
use crate::json;
use crate::verify::MAX_TOKEN_LEN;

/// Largest signature decoded: a 4096-bit RSA signature. A longer one cannot
/// verify with any accepted key, so it is a bad signature, not a bad token.
pub(crate) const MAX_SIGNATURE_LEN: usize = crate::rsa::MAX_MODULUS_BITS / 8;

/// The three segments of a compact JWS, as they appear in the token.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Segments<'t> {
    /// `header.payload`: the bytes the signature covers.
    pub signing_input: &'t str,
    pub header: &'t str,
    pub payload: &'t str,
    pub signature: &'t str,
}

/// Splits on `.` into exactly three segments (Clerk trims nothing).
pub(crate) fn split(token: &str) -> Result<Segments<'_>, TokenError<'static>> {
    let mut dots = token.match_indices('.').map(|(i, _)| i);
    let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
        return Err(TokenError::Form);
    };
    let signing_input = token.get(..second).ok_or(TokenError::Form)?;
    let header = token.get(..first).ok_or(TokenError::Form)?;
    let payload = token.get(first + 1..second).ok_or(TokenError::Form)?;
    let signature = token.get(second + 1..).ok_or(TokenError::Form)?;
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Decode(DecodeError::TooLong));
    }
    Ok(Segments {
        signing_input,
        header,
        payload,
        signature,
    })
}

/// Decodes a JSON segment into the front of `buf`, returning the parsed
/// value and the rest of the buffer. Like `TextDecoder`, one leading BOM is
/// dropped; unlike it, invalid UTF-8 is an error.
pub(crate) fn decode_json<'b>(
    segment: Segment,
    encoded: &str,
    buf: &'b mut [u8],
) -> Result<(json::Value<'b>, &'b mut [u8]), DecodeError> {
    let len =
        base64url::decoded_len(encoded.as_bytes()).map_err(|e| DecodeError::Base64(segment, e))?;
    let (dst, rest) = buf
        .split_at_mut_checked(len)
        .ok_or(DecodeError::BufferTooSmall)?;
    base64url::decode(encoded.as_bytes(), dst).map_err(|e| DecodeError::Base64(segment, e))?;
    let dst: &'b [u8] = dst;
    let text = core::str::from_utf8(dst).map_err(|_| DecodeError::Utf8(segment))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value = json::parse(text).map_err(|e| DecodeError::Json(segment, e))?;
    if value.kind() == json::Kind::Null {
        return Err(DecodeError::Null(segment));
    }
    Ok((value, rest))
}

/// Decodes the signature into the front of `buf`, returning its bytes (or
/// `None` when it is valid base64url but longer than any accepted key: it
/// then simply fails to verify) and the rest of the buffer.
pub(crate) fn decode_signature<'b>(
    encoded: &str,
    buf: &'b mut [u8],
) -> Result<(Option<&'b [u8]>, &'b mut [u8]), DecodeError> {
    let bytes = encoded.as_bytes();
    let error = |e| DecodeError::Base64(Segment::Signature, e);
    let len = base64url::decoded_len(bytes).map_err(error)?;
    if len > MAX_SIGNATURE_LEN {
        base64url::validate(bytes).map_err(error)?;
        return Ok((None, buf));
    }
    let (dst, rest) = buf
        .split_at_mut_checked(len)
        .ok_or(DecodeError::BufferTooSmall)?;
    base64url::decode(bytes, dst).map_err(error)?;
    Ok((Some(dst), rest))
}
