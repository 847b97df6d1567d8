//! The device store's key: every record with personal data is sealed with it before it reaches
//! IndexedDB, and it exists only in memory while the app is unlocked.
//!
//! Why: volunteers keep frail neighbours' names, addresses, health signs and family phone numbers
//! on their own phones, and phones get lost. Plain IndexedDB gives all of it to anyone who opens
//! the browser or copies its profile. Here each record is AES-256-GCM ciphertext under a random
//! *data key*; the data key is stored only wrapped (AES-GCM) under a key derived from the user's
//! PIN with PBKDF2-SHA-256 at [`PBKDF2_ITERATIONS`] (WebCrypto, so it runs native code). Locking
//! drops the data key from memory; the PIN and both keys never leave the phone.
//!
//! Why the records are sealed in Rust (the `aes-gcm` crate) and not by WebCrypto's `encrypt`:
//! WebCrypto answers with a promise, and an IndexedDB transaction commits as soon as it has no
//! request pending while control is back in the event loop. Sealing inside a transaction with
//! WebCrypto would split `settle`, `apply_pull` and every read-modify-write in two, and the
//! atomicity the outbox rests on ("a crash cannot settle half a batch") with them. In Rust, sealing
//! and opening are synchronous, so every transaction stays whole. PBKDF2 (the slow part, once per
//! unlock) stays in WebCrypto.
//!
//! 「PINを忘れた」 must not lose what was not sent. So the data key is also wrapped under a
//! *recovery key* the server makes for this device (`POST /me/recovery-key`) and the phone
//! forgets at once ([`LockRecord::recovery`]). The server gives that key back only to a sign-in of
//! the same user made just now on `POST /devices/{id}/recover`, once. Neither half opens anything
//! alone: the phone (a thief's copy of the profile) lacks the key, and the server never sees the
//! wrapped data key. A fresh sign-in already gives its user everything the server holds, so this
//! adds no way in; it only brings back what the phone held and had not sent.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// PBKDF2-SHA-256 iterations for the PIN: OWASP's 2023 figure for this hash.
pub const PBKDF2_ITERATIONS: u32 = 600_000;
const NONCE_LEN: usize = 12;
/// Bound into every wrapped data key, so a record can never pass for the key or the other way round.
const WRAP_AAD: &[u8] = b"mimamori data key v1";
const RECORD_AAD: &[u8] = b"mimamori record v1";
/// Bound into the data key wrapped under the server's recovery key.
const RECOVERY_AAD: &[u8] = b"mimamori recovery v1";

/// The data key while the app is unlocked: the cipher for the records, and the key's bytes for
/// wrapping it again (a new PIN, a new recovery key). Both are zeroed as they drop.
struct Held {
    cipher: Aes256Gcm,
    raw: zeroize::Zeroizing<[u8; 32]>,
}

thread_local! {
    static KEY: RefCell<Option<Held>> = const { RefCell::new(None) };
}

fn hold(raw: &[u8]) -> Result<(), VaultError> {
    let bytes: [u8; 32] = raw.try_into().map_err(|_| VaultError::Corrupt)?;
    let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| VaultError::Corrupt)?;
    KEY.with(|k| *k.borrow_mut() = Some(Held { cipher, raw: zeroize::Zeroizing::new(bytes) }));
    Ok(())
}

/// The held data key's bytes sealed under `wrapping` with `aad`.
fn wrap_held(wrapping: &Aes256Gcm, aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    KEY.with(|k| {
        let k = k.borrow();
        let held = k.as_ref().ok_or(VaultError::Locked)?;
        seal_with(wrapping, held.raw.as_slice(), aad)
    })
}

/// Why a record or a key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// The app is locked (or no PIN is set): the data key is not in memory.
    #[error("the device store is locked")]
    Locked,
    /// The PIN does not open the wrapped data key.
    #[error("wrong PIN")]
    WrongPin,
    /// A record that does not open with the data key: damaged, or not this device's.
    #[error("a record could not be decrypted")]
    Corrupt,
    #[error("the browser's cryptography failed: {0}")]
    Crypto(String),
}

/// What IndexedDB keeps about the PIN: the salt and iteration count to derive the wrapping key
/// again, the data key wrapped under it, and the wrong PINs typed in a row. Nothing here opens a
/// record without the PIN.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LockRecord {
    pub salt: ByteBuf,
    pub iterations: u32,
    /// Nonce, then the data key sealed under the PIN's key (with its tag).
    pub wrapped: ByteBuf,
    #[serde(default)]
    pub wrong: u32,
    /// Minutes unused before the app locks itself ([`mimamori_core::domain::LockAfter`]).
    #[serde(default = "default_lock_after")]
    pub lock_after_min: u32,
    /// The data key wrapped under the server's recovery key for a device (session), once the
    /// server has made one (none while a PIN set offline waits for the next unlock, or on a store
    /// from before recovery). Two flat fields rather than a struct: one deserializer fewer in the
    /// first load ([`LockRecord::recovery`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_wrapped: Option<ByteBuf>,
    /// The same user signed in again (an ended session): the wrap names a device that ended, and
    /// is made anew for the current one at the next unlock with signal. Until then it still opens
    /// the store, unless that old device is revoked meanwhile.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recovery_stale: bool,
}

impl LockRecord {
    pub fn recovery(&self) -> Option<RecoveryWrap> {
        Some(RecoveryWrap { device: self.recovery_device.clone()?, wrapped: self.recovery_wrapped.clone()? })
    }

    pub fn set_recovery(&mut self, wrap: Option<RecoveryWrap>) {
        (self.recovery_device, self.recovery_wrapped) = wrap.map(|w| (w.device, w.wrapped)).unzip();
        self.recovery_stale = false;
    }
}

/// The data key under a recovery key the server keeps for `device` (the session it was made for).
#[derive(Debug, Clone)]
pub struct RecoveryWrap {
    pub device: String,
    pub wrapped: ByteBuf,
}

fn default_lock_after() -> u32 {
    mimamori_core::domain::LockAfter::default().minutes()
}

fn random<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut out = [0u8; N];
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or_else(|| VaultError::Crypto("no crypto".into()))?
        .get_random_values_with_u8_array(&mut out)
        .map_err(|_| VaultError::Crypto("getRandomValues".into()))?;
    Ok(out)
}

fn seal_with(cipher: &Aes256Gcm, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    let nonce = random::<NONCE_LEN>()?;
    let mut out = nonce.to_vec();
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
        .map_err(|_| VaultError::Crypto("encrypt".into()))?;
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn open_with(cipher: &Aes256Gcm, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
    if sealed.len() < NONCE_LEN + 16 {
        return Err(VaultError::Corrupt);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad }).map_err(|_| VaultError::Corrupt)
}

/// The key PBKDF2 derives from the PIN and the salt (WebCrypto, so native speed).
async fn pin_key(pin: &str, salt: &[u8], iterations: u32) -> Result<Aes256Gcm, VaultError> {
    let crypto_err = |what: &str| VaultError::Crypto(what.to_owned());
    let subtle = web_sys::window().and_then(|w| w.crypto().ok()).ok_or_else(|| crypto_err("no crypto"))?.subtle();
    let usages = js_sys::Array::of1(&"deriveBits".into());
    let pin_bytes = js_sys::Uint8Array::from(pin.as_bytes());
    let base =
        subtle.import_key_with_str("raw", &pin_bytes, "PBKDF2", false, &usages).map_err(|_| crypto_err("importKey"))?;
    let base: web_sys::CryptoKey = JsFuture::from(base).await.map_err(|_| crypto_err("importKey"))?.unchecked_into();
    let salt = js_sys::Uint8Array::from(salt);
    let params = web_sys::Pbkdf2Params::new("PBKDF2", &"SHA-256".into(), iterations, &salt);
    let bits = subtle.derive_bits_with_object(&params, &base, 256).map_err(|_| crypto_err("deriveBits"))?;
    let bits = JsFuture::from(bits).await.map_err(|_| crypto_err("deriveBits"))?;
    let bytes = js_sys::Uint8Array::new(&bits).to_vec();
    Aes256Gcm::new_from_slice(&bytes).map_err(|_| crypto_err("key length"))
}

/// A new data key, wrapped under `pin`, and held in memory (the app is unlocked).
pub async fn create(pin: &mimamori_core::domain::Pin, lock_after_min: u32) -> Result<LockRecord, VaultError> {
    let data_key = random::<32>()?;
    let salt = random::<16>()?;
    let wrapping = pin_key(pin.expose(), &salt, PBKDF2_ITERATIONS).await?;
    let wrapped = seal_with(&wrapping, &data_key, WRAP_AAD)?;
    hold(&data_key)?;
    Ok(LockRecord {
        salt: ByteBuf::from(salt.to_vec()),
        iterations: PBKDF2_ITERATIONS,
        wrapped: ByteBuf::from(wrapped),
        wrong: 0,
        lock_after_min,
        recovery_device: None,
        recovery_wrapped: None,
        recovery_stale: false,
    })
}

/// The data key in memory (after a recovery) wrapped under a new PIN; wrong PINs start at zero.
pub async fn wrap_under_pin(pin: &mimamori_core::domain::Pin, lock_after_min: u32) -> Result<LockRecord, VaultError> {
    let salt = random::<16>()?;
    let wrapping = pin_key(pin.expose(), &salt, PBKDF2_ITERATIONS).await?;
    Ok(LockRecord {
        salt: ByteBuf::from(salt.to_vec()),
        iterations: PBKDF2_ITERATIONS,
        wrapped: ByteBuf::from(wrap_held(&wrapping, WRAP_AAD)?),
        wrong: 0,
        lock_after_min,
        recovery_device: None,
        recovery_wrapped: None,
        recovery_stale: false,
    })
}

/// The data key in memory wrapped under a recovery key from the server (which the caller then
/// drops).
pub fn wrap_for_recovery(device: String, recovery_key: &[u8]) -> Result<RecoveryWrap, VaultError> {
    let wrapping = Aes256Gcm::new_from_slice(recovery_key).map_err(|_| VaultError::Crypto("key length".into()))?;
    Ok(RecoveryWrap { device, wrapped: ByteBuf::from(wrap_held(&wrapping, RECOVERY_AAD)?) })
}

/// Opens the data key with the recovery key the server gave back, and holds it in memory.
pub fn unlock_with_recovery(wrap: &RecoveryWrap, recovery_key: &[u8]) -> Result<(), VaultError> {
    let wrapping = Aes256Gcm::new_from_slice(recovery_key).map_err(|_| VaultError::Corrupt)?;
    let data_key = zeroize::Zeroizing::new(open_with(&wrapping, &wrap.wrapped, RECOVERY_AAD)?);
    hold(&data_key)
}

/// Opens the wrapped data key with `pin` and holds it in memory. A wrong PIN fails the GCM tag.
pub async fn unlock(record: &LockRecord, pin: &mimamori_core::domain::Pin) -> Result<(), VaultError> {
    let wrapping = pin_key(pin.expose(), &record.salt, record.iterations).await?;
    let data_key =
        zeroize::Zeroizing::new(open_with(&wrapping, &record.wrapped, WRAP_AAD).map_err(|_| VaultError::WrongPin)?);
    hold(&data_key).map_err(|_| VaultError::WrongPin)
}

/// The same data key under a new PIN (the records stay as they are).
pub async fn rewrap(
    record: &LockRecord,
    old: &mimamori_core::domain::Pin,
    new: &mimamori_core::domain::Pin,
) -> Result<LockRecord, VaultError> {
    let wrapping = pin_key(old.expose(), &record.salt, record.iterations).await?;
    let data_key = open_with(&wrapping, &record.wrapped, WRAP_AAD).map_err(|_| VaultError::WrongPin)?;
    let salt = random::<16>()?;
    let wrapping = pin_key(new.expose(), &salt, PBKDF2_ITERATIONS).await?;
    Ok(LockRecord {
        salt: ByteBuf::from(salt.to_vec()),
        iterations: PBKDF2_ITERATIONS,
        wrapped: ByteBuf::from(seal_with(&wrapping, &data_key, WRAP_AAD)?),
        wrong: 0,
        lock_after_min: record.lock_after_min,
        recovery_device: record.recovery_device.clone(),
        recovery_wrapped: record.recovery_wrapped.clone(),
        recovery_stale: record.recovery_stale,
    })
}

/// Forgets the data key (locking, signing out, a wipe). Zeroed as it drops.
pub fn forget() {
    KEY.with(|k| *k.borrow_mut() = None);
}

pub fn unlocked() -> bool {
    KEY.with(|k| k.borrow().is_some())
}

/// A value sealed with the data key: nonce, ciphertext, tag. The plaintext is the value's JSON,
/// made by the browser from the same JS object IndexedDB would have stored (serde-wasm-bindgen,
/// maps as objects): one serialisation per type in the wasm, not a second one through serde_json
/// (the first build did that: +46 KB brotli of first load instead of +19 KB).
pub fn seal<T: Serialize>(value: &T) -> Result<ByteBuf, VaultError> {
    let js = value
        .serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
        .map_err(|e| VaultError::Crypto(e.to_string()))?;
    seal_js(&js)
}

/// A JS value (as IndexedDB holds it) sealed with the data key.
pub fn seal_js(js: &wasm_bindgen::JsValue) -> Result<ByteBuf, VaultError> {
    let json: String = js_sys::JSON::stringify(js).map_err(|_| VaultError::Crypto("stringify".into()))?.into();
    KEY.with(|k| {
        let k = k.borrow();
        let held = k.as_ref().ok_or(VaultError::Locked)?;
        seal_with(&held.cipher, json.as_bytes(), RECORD_AAD).map(ByteBuf::from)
    })
}

/// A sealed value opened. A record that does not open, or opens to something else, is `Corrupt`.
pub fn open<T: DeserializeOwned>(sealed: &[u8]) -> Result<T, VaultError> {
    let json = KEY.with(|k| {
        let k = k.borrow();
        let held = k.as_ref().ok_or(VaultError::Locked)?;
        open_with(&held.cipher, sealed, RECORD_AAD)
    })?;
    let json = std::str::from_utf8(&json).map_err(|_| VaultError::Corrupt)?;
    let js = js_sys::JSON::parse(json).map_err(|_| VaultError::Corrupt)?;
    serde_wasm_bindgen::from_value(js).map_err(|_| VaultError::Corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(byte: u8) -> Aes256Gcm {
        Aes256Gcm::new_from_slice(&[byte; 32]).unwrap()
    }

    fn seal_fixed(c: &Aes256Gcm, plain: &[u8], aad: &[u8]) -> Vec<u8> {
        let nonce = [7u8; NONCE_LEN];
        let mut out = nonce.to_vec();
        out.extend(c.encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad }).unwrap());
        out
    }

    #[test]
    fn a_wrapped_key_opens_only_with_its_own_key() {
        let data_key = [42u8; 32];
        let wrapped = seal_fixed(&cipher(1), &data_key, WRAP_AAD);
        assert_eq!(open_with(&cipher(1), &wrapped, WRAP_AAD).unwrap(), data_key);
        assert_eq!(open_with(&cipher(2), &wrapped, WRAP_AAD), Err(VaultError::Corrupt));
        // A record can never be taken for the key: the associated data differs.
        assert_eq!(open_with(&cipher(1), &wrapped, RECORD_AAD), Err(VaultError::Corrupt));
    }

    #[test]
    fn a_damaged_or_short_record_is_corrupt_not_a_panic() {
        let mut sealed = seal_fixed(&cipher(1), b"{\"name\":\"Yamada\"}", RECORD_AAD);
        assert!(!sealed.windows(6).any(|w| w == b"Yamada"), "the name is not in the sealed bytes");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(open_with(&cipher(1), &sealed, RECORD_AAD), Err(VaultError::Corrupt));
        assert_eq!(open_with(&cipher(1), &[1, 2, 3], RECORD_AAD), Err(VaultError::Corrupt));
    }

    #[test]
    fn the_recovery_wrap_opens_with_the_servers_key_only() {
        let data_key = [42u8; 32];
        let wrapped = seal_fixed(&cipher(9), &data_key, RECOVERY_AAD);
        let wrap = RecoveryWrap { device: "d1".into(), wrapped: ByteBuf::from(wrapped.clone()) };
        assert_eq!(unlock_with_recovery(&wrap, &[8u8; 32]), Err(VaultError::Corrupt));
        assert!(!unlocked());
        // Neither the PIN's wrap nor a record can stand in for it.
        assert_eq!(open_with(&cipher(9), &wrapped, WRAP_AAD), Err(VaultError::Corrupt));
        unlock_with_recovery(&wrap, &[9u8; 32]).unwrap();
        assert!(unlocked());
        assert_eq!(KEY.with(|k| *k.borrow().as_ref().unwrap().raw), data_key);
        forget();
    }

    #[test]
    fn locked_means_nothing_opens() {
        forget();
        assert_eq!(open::<String>(&[0u8; 40]), Err(VaultError::Locked));
        assert!(!unlocked());
    }
}
