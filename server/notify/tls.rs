//! TLS for outgoing deliveries (https webhooks, Slack): rustls with the ring provider, trusting
//! the operating system's roots (`rustls-native-certs`: they follow the distribution's CA
//! updates and any CA an operator installed, with no rebuild of the server) plus, optionally,
//! the CAs of `notify.ca_file` (a private CA for an internal receiver).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;

/// The system's roots, read once per process (a few hundred files on a typical system).
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!(error = %e, "a system CA certificate could not be read");
        }
        if found.certs.is_empty() {
            tracing::warn!(
                "no system CA certificates found: https notifications reach only receivers whose CA is in notify.ca_file"
            );
        }
        found.certs
    })
}

/// The client configuration for deliveries; a `ca_file` that cannot be read or holds no
/// certificate is an error (a start-up error: see `runtime::server`).
pub fn client_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    // Roots the verifier cannot parse are skipped, as browsers do.
    let (_added, _ignored) = roots.add_parsable_certificates(system_roots().iter().cloned());
    if let Some(path) = ca_file {
        let pem =
            std::fs::read(path).map_err(|e| format!("notify.ca_file {}: {e}", path.display()))?;
        let mut n = 0;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| format!("notify.ca_file {}: {e}", path.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("notify.ca_file {}: {e}", path.display()))?;
            n += 1;
        }
        if n == 0 {
            return Err(format!(
                "notify.ca_file {} holds no PEM certificate",
                path.display()
            ));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS client configuration: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let err = client_config(Some(&path)).unwrap_err();
        assert!(err.contains("holds no PEM certificate"), "{err}");
        let err = client_config(Some(&dir.path().join("missing.pem"))).unwrap_err();
        assert!(err.contains("missing.pem"), "{err}");
        assert!(client_config(None).is_ok());
    }
}
