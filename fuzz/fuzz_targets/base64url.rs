//! base64url decoding against two independent decoders configured with
//! Clerk's rules (trailing `=` stripped, then strict unpadded base64url with
//! canonical final bits): `base64ct::Base64UrlUnpadded` and the `base64`
//! crate's URL-safe engine. Same accept/reject, same bytes, and `validate`,
//! `decoded_len` and every output buffer size agree with `decode`.
#![no_main]

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64ct::Encoding as _;
use clerk_edge::base64url::{self, Base64Error};
use libfuzzer_sys::fuzz_target;

const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

fuzz_target!(|data: &[u8]| {
    // The first byte picks a shorter output buffer, the rest is the input.
    let (shrink, input) = match data.split_first() {
        Some((&b, rest)) => (usize::from(b), rest),
        None => (0, data),
    };
    let stripped = {
        let mut end = input.len();
        while end > 0 && input[end - 1] == b'=' {
            end -= 1;
        }
        &input[..end]
    };
    let reference =
        base64ct::Base64UrlUnpadded::decode_vec(std::str::from_utf8(stripped).unwrap_or("\u{0}"))
            .ok();
    let second = ENGINE.decode(stripped).ok();
    assert_eq!(reference, second, "the two reference decoders disagree");

    let mut out = vec![0u8; input.len()];
    let ours = base64url::decode(input, &mut out).map(|n| out[..n].to_vec());
    assert_eq!(ours.as_ref().ok(), reference.as_ref(), "decode differs");
    let validated = base64url::validate(input);
    assert_eq!(
        validated,
        ours.clone().map(|b| b.len()),
        "validate differs from decode"
    );

    match (&ours, base64url::decoded_len(input)) {
        (Ok(bytes), Ok(len)) => assert_eq!(bytes.len(), len),
        (Err(Base64Error::InvalidLength), Err(Base64Error::InvalidLength)) => {}
        (Err(Base64Error::InvalidLength), other) => panic!("decoded_len {other:?}"),
        (_, Err(e)) => panic!("decoded_len {e:?} but decode {ours:?}"),
        (Err(_), Ok(_)) => {}
    }
    match ours {
        Err(Base64Error::InvalidByte { offset }) => {
            let b = input[offset];
            assert!(!(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert!(
                stripped[..offset]
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            );
        }
        Err(Base64Error::InvalidLength) => assert_eq!(stripped.len() % 4, 1),
        Err(Base64Error::NonCanonical) | Err(Base64Error::BufferTooSmall) | Err(_) => {}
        Ok(ref bytes) => {
            // The canonical encoding is the input without its padding.
            assert_eq!(
                base64ct::Base64UrlUnpadded::encode_string(bytes).as_bytes(),
                stripped
            );
            // A smaller buffer is an error, never a panic or a partial write.
            if let Some(small) = bytes.len().checked_sub(1 + shrink % bytes.len().max(1)) {
                let mut out = vec![0u8; small];
                assert_eq!(
                    base64url::decode(input, &mut out),
                    Err(Base64Error::BufferTooSmall)
                );
            }
        }
    }
});
