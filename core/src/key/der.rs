//! From DER bytes to an RSA modulus and exponent: `SubjectPublicKeyInfo`
//! (with the rsaEncryption OID) or PKCS#1 `RSAPublicKey`, parsed in place
//! by the `spki` and `pkcs1` crates.

use der::asn1::{AnyRef, ObjectIdentifier, UintRef};
use der::{Decode, ErrorKind, Tag, Tagged};
use spki::SubjectPublicKeyInfoRef;

use super::{KeyError, KeyKind};

/// What a DER blob looks like from its first few tags, enough to tell a
/// public key from the private keys and certificates that get pasted in its
/// place. Reads only headers, so it also works on a truncated prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// `SEQUENCE { SEQUENCE { OID ... }, BIT STRING }`.
    Spki,
    /// `SEQUENCE { INTEGER n, ... }` with `n` > 1.
    Pkcs1,
    /// PKCS#1 or SEC1 private key, PKCS#8 (plain or encrypted).
    Private,
    /// `SEQUENCE { SEQUENCE { [0] version | INTEGER serial, ... }, ... }`.
    Certificate,
    /// None of the above.
    Unknown,
}

/// One DER header: tag, declared length, and the bytes after the header.
/// Lengths beyond two bytes never occur in what this module reads.
fn header(bytes: &[u8]) -> Option<(u8, usize, &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    match first {
        0..=0x7f => Some((tag, usize::from(first), rest)),
        0x81 => {
            let (&len, rest) = rest.split_first()?;
            Some((tag, usize::from(len), rest))
        }
        0x82 => {
            let (&high, rest) = rest.split_first()?;
            let (&low, rest) = rest.split_first()?;
            Some((tag, usize::from(u16::from_be_bytes([high, low])), rest))
        }
        _ => None,
    }
}

/// One TLV: tag, value (cut short if the input is), and what follows.
fn tlv(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (tag, len, rest) = header(bytes)?;
    let value = rest.get(..len).unwrap_or(rest);
    let after = rest.get(len..).unwrap_or(&[]);
    Some((tag, value, after))
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OID: u8 = 0x06;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const CONTEXT_0: u8 = 0xa0;

/// DER of the OID arcs 1.2.840.113549.1.5 (PKCS#5 PBES) and
/// 1.2.840.113549.1.12 (PKCS#12 PBE): an encrypted PKCS#8 key.
const PKCS5_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05];
const PKCS12_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c];

pub(super) fn shape(der: &[u8]) -> Shape {
    let Some((SEQUENCE, outer, _)) = tlv(der) else {
        return Shape::Unknown;
    };
    let Some((first_tag, first, after_first)) = tlv(outer) else {
        return Shape::Unknown;
    };
    match first_tag {
        SEQUENCE => match tlv(first) {
            Some((OID, oid, _)) => {
                if oid.starts_with(PKCS5_PREFIX) || oid.starts_with(PKCS12_PREFIX) {
                    return Shape::Private;
                }
                match tlv(after_first) {
                    Some((BIT_STRING, _, _)) => Shape::Spki,
                    // PKCS#8 wraps the key in an OCTET STRING.
                    Some((OCTET_STRING, _, _)) => Shape::Private,
                    _ => Shape::Unknown,
                }
            }
            Some((CONTEXT_0 | INTEGER, _, _)) => Shape::Certificate,
            _ => Shape::Unknown,
        },
        // Private keys start with a version 0 or 1; a modulus is never 0 or 1.
        INTEGER if first == [0] || first == [1] => Shape::Private,
        INTEGER => Shape::Pkcs1,
        _ => Shape::Unknown,
    }
}

/// Bits of the modulus of an SPKI or PKCS#1 key of which only the first
/// bytes are at hand (the text was longer than [`MAX_DER_LEN`]): its
/// header and first bytes are enough to say how large the key is.
///
/// [`MAX_DER_LEN`]: super::MAX_DER_LEN
pub(super) fn modulus_bits(prefix: &[u8]) -> Option<usize> {
    let (_, outer, _) = tlv(prefix)?;
    let rsa_key = match shape(prefix) {
        Shape::Spki => {
            let (_, _, after_algorithm) = tlv(outer)?;
            let (BIT_STRING, bits, _) = tlv(after_algorithm)? else {
                return None;
            };
            tlv(bits.get(1..)?)?.1
        }
        Shape::Pkcs1 => outer,
        _ => return None,
    };
    let (INTEGER, len, n) = header(rsa_key)? else {
        return None;
    };
    let (len, n) = match n.first()? {
        0 => (len.checked_sub(1)?, n.get(1..)?),
        _ => (len, n),
    };
    let top = n.first()?;
    Some((len * 8).saturating_sub(top.leading_zeros() as usize))
}

/// `der`'s verdict mapped to ours: leftover bytes get their own message.
fn der_error(error: der::Error) -> KeyError {
    match error.kind() {
        ErrorKind::TrailingData { remaining, .. } => KeyError::TrailingData {
            bytes: usize::try_from(u32::from(remaining)).unwrap_or(usize::MAX),
        },
        _ => KeyError::NotDer,
    }
}

/// The modulus (big-endian, no leading zeros) and public exponent of a DER
/// public key.
pub(super) fn decode(der: &[u8]) -> Result<(&[u8], u32), KeyError> {
    match shape(der) {
        Shape::Spki => spki(der),
        Shape::Pkcs1 => pkcs1(der),
        Shape::Private => Err(KeyError::PrivateKey),
        Shape::Certificate => Err(KeyError::Certificate),
        Shape::Unknown => Err(KeyError::NotDer),
    }
}

fn spki(der: &[u8]) -> Result<(&[u8], u32), KeyError> {
    let info = SubjectPublicKeyInfoRef::from_der(der).map_err(der_error)?;
    let algorithm = info.algorithm;
    if algorithm.oid != pkcs1::ALGORITHM_OID {
        return Err(KeyError::NotRsa {
            kind: kind(algorithm.oid, algorithm.parameters),
        });
    }
    // RFC 3279 says NULL; some encoders leave the parameters out.
    if algorithm.parameters.is_some_and(|p| !p.is_null()) {
        return Err(KeyError::NotDer);
    }
    let key = info.subject_public_key.as_bytes().ok_or(KeyError::NotDer)?;
    pkcs1(key)
}

fn pkcs1(der: &[u8]) -> Result<(&[u8], u32), KeyError> {
    let key = pkcs1::RsaPublicKey::<UintRef<'_>>::from_der(der).map_err(der_error)?;
    let exponent = key.public_exponent.as_bytes();
    if exponent.len() > 4 {
        return Err(KeyError::ExponentTooLarge);
    }
    let exponent = exponent.iter().fold(0u32, |e, &b| (e << 8) | u32::from(b));
    Ok((key.modulus.as_bytes(), exponent))
}

const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
const X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
const X448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.111");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");

/// Names the algorithm of a non-RSA SPKI, for the error message.
fn kind(oid: ObjectIdentifier, parameters: Option<AnyRef<'_>>) -> KeyKind {
    if oid == EC_PUBLIC_KEY {
        let curve = parameters
            .filter(|p| p.tag() == Tag::ObjectIdentifier)
            .map(|p| p.value());
        return match curve {
            Some(c) if c == P256.as_bytes() => KeyKind::EcP256,
            Some(c) if c == P384.as_bytes() => KeyKind::EcP384,
            Some(c) if c == P521.as_bytes() => KeyKind::EcP521,
            Some(c) if c == SECP256K1.as_bytes() => KeyKind::EcSecp256k1,
            _ => KeyKind::Ec,
        };
    }
    [
        (ED25519, KeyKind::Ed25519),
        (ED448, KeyKind::Ed448),
        (X25519, KeyKind::X25519),
        (X448, KeyKind::X448),
        (RSASSA_PSS, KeyKind::RsaPss),
        (DSA, KeyKind::Dsa),
    ]
    .into_iter()
    .find(|(known, _)| *known == oid)
    .map_or(KeyKind::Unknown, |(_, kind)| kind)
}
