//! Authentication: password hashing, sign-in (throttled) and its access and refresh tokens, API
//! keys, the tower layer that resolves the caller of every request, and the per-key rate limit.

pub mod cookies;
pub mod key_cache;
pub mod layer;
pub mod oidc;
pub mod passwords;
pub mod rate_limit;
pub mod sealed;
pub mod secrets;
pub mod sign_in;
pub mod throttle;
pub mod tokens;

pub use layer::{AuthLayer, Authenticator};
