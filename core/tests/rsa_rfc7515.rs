//! The RS256 example of RFC 7515, appendix A.2: an independent signer's
//! output must verify, and any change to it must not.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64ct::{Base64UrlUnpadded, Encoding};
use clerk_edge::rsa::cross_check::{self, Arith};
use clerk_edge::rsa::{HashAlg, RsaPublicKey};
use sha2::{Digest, Sha256};

/// The RSA key of appendix A.2.1 (`n` and `e` of the JWK).
const N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qP\
    CJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7\
    OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uD\
    Zlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcD\
    TW9gb54h4FRWyuXpoQ";
const E: u32 = 65537;

/// The complete JWS of appendix A.2.
const JWS: &str = "eyJhbGciOiJSUzI1NiJ9\
    .eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ\
    .cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2\
    Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjt\
    QBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6\
    IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

fn parts() -> (RsaPublicKey, Vec<u8>, Vec<u8>) {
    let n = Base64UrlUnpadded::decode_vec(N).unwrap();
    let key = RsaPublicKey::new(&n, E).unwrap();
    let (signing_input, sig) = JWS.rsplit_once('.').unwrap();
    let digest = Sha256::digest(signing_input.as_bytes()).to_vec();
    let sig = Base64UrlUnpadded::decode_vec(sig).unwrap();
    (key, digest, sig)
}

#[test]
fn the_rfc_example_verifies() {
    let (key, digest, sig) = parts();
    assert_eq!(key.bits(), 2048);
    assert_eq!(key.size(), 256);
    assert_eq!(sig.len(), 256);
    assert!(key.verify_pkcs1v15(HashAlg::Sha256, &digest, &sig));
    let n = Base64UrlUnpadded::decode_vec(N).unwrap();
    for arith in Arith::ALL {
        assert_eq!(
            cross_check::verify_pkcs1v15(arith, &n, E, HashAlg::Sha256, &digest, &sig),
            Ok(true),
            "{arith:?}"
        );
    }
}

#[test]
fn one_changed_byte_fails() {
    let (key, digest, sig) = parts();
    // Every byte of the signature, one bit each.
    for i in 0..sig.len() {
        let mut bad = sig.clone();
        bad[i] ^= 1 << (i % 8);
        assert!(
            !key.verify_pkcs1v15(HashAlg::Sha256, &digest, &bad),
            "signature byte {i}"
        );
    }
    // Every byte of the signing input.
    let (signing_input, _) = JWS.rsplit_once('.').unwrap();
    for i in 0..signing_input.len() {
        let mut bad = signing_input.as_bytes().to_vec();
        bad[i] ^= 0x20;
        let d = Sha256::digest(&bad);
        assert!(
            !key.verify_pkcs1v15(HashAlg::Sha256, &d, &sig),
            "input byte {i}"
        );
    }
    // The same signature under the other hashes, or cut short.
    assert!(!key.verify_pkcs1v15(HashAlg::Sha384, &[0; 48], &sig));
    assert!(!key.verify_pkcs1v15(HashAlg::Sha256, &digest, &sig[1..]));
    let mut longer = vec![0u8];
    longer.extend_from_slice(&sig);
    assert!(!key.verify_pkcs1v15(HashAlg::Sha256, &digest, &longer));
}
