//! OpenID Connect sign-in (authorization code with PKCE S256), next to passwords.
//!
//! Hand-written over what the server already builds (hyper-util with rustls for the requests,
//! jsonwebtoken for the ID token) instead of the `openidconnect` crate, which would bring a
//! second HTTP stack and its own crypto for the few requests this needs: discovery, the
//! issuer's keys (JWKS), the code exchange and, when the ID token lacks the email, userinfo.
//!
//! The server is a confidential client: the browser only carries `state` to the issuer and
//! back. The state (lookup key), nonce and a browser-binding cookie are kept as SHA-256 hashes,
//! the PKCE verifier sealed, in one database row per sign-in that the callback deletes (single
//! use, any replica) and that expires after `oidc.login_ttl_secs`.

mod discovery;
mod flow;
mod http_client;
mod id_token;

pub use flow::{CallbackParams, Oidc, OidcError, Started};
