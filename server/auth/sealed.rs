//! Secrets the server must use again later (a webhook's signing key, the web push private key)
//! cannot be hashed like API keys; they are kept sealed instead: ChaCha20-Poly1305 under a key
//! derived with HKDF-SHA256 from the server's root secret (`auth.jwt_secret`, which every replica
//! already shares). A database dump alone reveals none of them.
//!
//! A sealed value is `v1.<base64url(nonce || ciphertext || tag)>`. `purpose` is bound as
//! associated data, so a value sealed for one use cannot be opened as another. Rotating the root
//! secret makes existing sealed values unreadable: their channels report a clear failure and must
//! be re-created.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, Salt};
use ring::rand::{SecureRandom, SystemRandom};

const VERSION: &str = "v1.";

/// Seals and opens secrets at rest.
pub struct Sealer {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

/// A sealed value that cannot be opened with this server's key.
#[derive(Debug, thiserror::Error)]
#[error("a sealed secret cannot be opened: {0}")]
pub struct SealError(&'static str);

impl Sealer {
    pub fn new(root_secret: &[u8]) -> Sealer {
        let prk = Salt::new(HKDF_SHA256, b"switchboard sealed secrets").extract(root_secret);
        let okm = prk
            .expand(&[b"v1 chacha20-poly1305"], &CHACHA20_POLY1305)
            .expect("the output length is the AEAD key length");
        Sealer {
            key: LessSafeKey::new(UnboundKey::from(okm)),
            rng: SystemRandom::new(),
        }
    }

    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .expect("the system random source is available");
        let mut sealed = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(purpose.as_bytes()),
                &mut sealed,
            )
            .expect("sealing fails only for inputs of gigabytes");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(out))
    }

    pub fn open(&self, purpose: &str, sealed: &str) -> Result<Vec<u8>, SealError> {
        let body = sealed
            .strip_prefix(VERSION)
            .ok_or(SealError("unknown format"))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError("not base64url"))?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError("too short"));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError("bad nonce"))?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut buffer)
            .map_err(|_| SealError("wrong key, purpose or a damaged value"))?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_purpose() {
        let sealer = Sealer::new(b"0123456789abcdef0123456789abcdef");
        let sealed = sealer.seal("webhook", b"whsec_abc");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("whsec_abc"));
        assert_eq!(sealer.open("webhook", &sealed).unwrap(), b"whsec_abc");
        // Two seals of one value differ (fresh nonce).
        assert_ne!(sealer.seal("webhook", b"whsec_abc"), sealed);
        assert!(sealer.open("vapid", &sealed).is_err());
        let other = Sealer::new(b"another root secret of 32 bytes!");
        assert!(other.open("webhook", &sealed).is_err());
        assert!(sealer.open("webhook", "whsec_abc").is_err());
        assert!(sealer.open("webhook", "v1.AAAA").is_err());
    }
}
