//! Scenario 5 rows: what TLS costs. Two servers identical but for TLS (both on the first
//! server's database, started here), measured in alternation in the same run: connection
//! set-up, the health-check and answer round trips, and LogStep ingest. Each TLS figure stands
//! next to the plaintext one, so the report's ratio is the TLS cost.
//!
//! The certificates come from the `openssl` command (a CA and a leaf for localhost), so the
//! server binary needs nothing beyond what production uses; the bench's client speaks TLS
//! through tokio-rustls (ring), as the server does.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio_rustls::rustls;
use tonic::transport::{Channel, Endpoint};

use super::{Plan, Target};
use crate::report::{P3, Report};
use crate::server::{self, BoxError, ServerProc};
use crate::stats::Samples;
use crate::{answer, client, ingest};

/// Addresses of the TLS server start with this (`client::connect` hands them here).
pub const SCHEME: &str = "tls:";

static CLIENT_CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();

/// One HTTP/2 connection over TLS, trusting the scenario's CA; the same endpoint options as
/// the plaintext `client::connect`.
pub async fn connect(host_port: &str) -> Result<Channel, BoxError> {
    let config = CLIENT_CONFIG
        .get()
        .ok_or("no bench CA: the tls scenario sets it up")?
        .clone();
    let connector = tower::service_fn(move |uri: http::Uri| {
        let config = config.clone();
        async move {
            let host = uri.host().unwrap_or("127.0.0.1").to_owned();
            let port = uri.port_u16().unwrap_or(443);
            let tcp = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
            tcp.set_nodelay(true)?;
            let name = rustls::pki_types::ServerName::try_from("localhost")
                .expect("a valid name")
                .to_owned();
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await?;
            Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
        }
    });
    // The scheme only names the URI: TLS is the connector's business.
    Endpoint::from_shared(format!("http://{host_port}"))?
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(10))
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true)
        .initial_connection_window_size(Some(8 << 20))
        .initial_stream_window_size(Some(1 << 20))
        .connect_with_connector(connector)
        .await
        .map_err(|e| format!("cannot connect over TLS to {host_port}: {e}").into())
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), BoxError> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run openssl (needed for the tls scenario): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// A CA and a P-256 leaf for localhost / 127.0.0.1 in `dir`: ca.pem, tls.crt, tls.key.
fn make_certificates(dir: &Path) -> Result<(), BoxError> {
    std::fs::create_dir_all(dir)?;
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec![
        "req",
        "-x509",
        "-days",
        "2",
        "-subj",
        "/CN=switchboard-bench-ca",
    ];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(dir, &ca)?;
    let mut csr = vec!["req", "-subj", "/CN=localhost"];
    csr.extend(ec);
    csr.extend(["-keyout", "tls.key", "-out", "tls.csr"]);
    openssl(dir, &csr)?;
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )?;
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "tls.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
            "-out",
            "tls.crt",
        ],
    )
}

fn client_config(ca_pem: &[u8]) -> Result<rustls::ClientConfig, BoxError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(cert?)?;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Connection set-up until the first answer (TCP, TLS handshake, HTTP/2, one health check).
async fn connect_times(addr: &str, n: usize) -> Result<Samples, BoxError> {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    let mut samples = Samples::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let channel = client::connect(addr).await?;
        HealthClient::new(channel)
            .check(HealthCheckRequest::default())
            .await?;
        samples.push(started.elapsed());
    }
    Ok(samples)
}

#[allow(clippy::too_many_arguments)]
pub async fn scenario_tls(
    plan: &Plan,
    t: &Target,
    bin: &Path,
    socket_dir: &Path,
    jwt_secret: &str,
    work: &Path,
    report: &mut Report,
) -> Result<(), BoxError> {
    let certs = work.join("tls-certs");
    make_certificates(&certs)?;
    let config = client_config(&std::fs::read(certs.join("ca.pem"))?)?;
    let _ = CLIENT_CONFIG.set(Arc::new(config));

    let url = format!(
        "postgres://switchboard@{}/switchboard",
        server::url_encode(&socket_dir.display().to_string())
    );
    let plain_dir = work.join("plain");
    eprintln!("  tls: starting a plaintext and a TLS server on the same database");
    let plain = ServerProc::start(
        bin,
        &plain_dir,
        crate::server_env(&plain_dir, jwt_secret, Some(&url)),
    )?;
    let tls_dir = work.join("tls");
    let mut env = crate::server_env(&tls_dir, jwt_secret, Some(&url));
    env.push((
        "SWITCHBOARD__TLS__CERT_FILE".into(),
        certs.join("tls.crt").display().to_string(),
    ));
    env.push((
        "SWITCHBOARD__TLS__KEY_FILE".into(),
        certs.join("tls.key").display().to_string(),
    ));
    let secure = ServerProc::start(bin, &tls_dir, env)?;
    let plain_addr = plain.addr.clone();
    let tls_addr = format!("{SCHEME}{}", secure.addr);
    let pids = |p: &ServerProc| server::Pids {
        server: Some(p.pid),
        postmaster: t.pids.postmaster,
    };

    let connects = if plan.answer_round_trips > 100 {
        200
    } else {
        20
    };
    eprintln!("  tls: connection set-up, {connects} each");
    let mut c_plain = connect_times(&plain_addr, connects).await?;
    let mut c_tls = connect_times(&tls_addr, connects).await?;
    report.latency(
        "5 tls",
        &format!("connect + first call, n={connects}"),
        &mut c_tls,
        Some(&mut c_plain),
        "plaintext",
        P3,
    );

    let token_plain =
        client::login(client::connect(&plain_addr).await?, &t.email, &t.password).await?;
    let token_tls = client::login(client::connect(&tls_addr).await?, &t.email, &t.password).await?;
    let n = plan.answer_round_trips;
    eprintln!("  tls: answer, {n} round trips each");
    let mut a_plain = answer::run(&plain_addr, &t.api_key, &token_plain, n, None, None).await?;
    let mut a_tls = answer::run(&tls_addr, &t.api_key, &token_tls, n, None, None).await?;
    report.latency(
        "5 tls",
        &format!("health check, n={}", a_tls.health.len()),
        &mut a_tls.health,
        Some(&mut a_plain.health),
        "plaintext",
        P3,
    );
    report.latency(
        "5 tls",
        &format!("WaitForAnswer, n={n}"),
        &mut a_tls.via_wait,
        Some(&mut a_plain.via_wait),
        "plaintext",
        P3,
    );
    report.latency(
        "5 tls",
        &format!("Subscribe push, n={n}"),
        &mut a_tls.via_subscribe,
        Some(&mut a_plain.via_subscribe),
        "plaintext",
        P3,
    );

    for &agents in &plan.driver_ingest_agents {
        let mut ours: Option<ingest::IngestResult> = None;
        let mut base: Option<ingest::IngestResult> = None;
        // Alternating rounds: the machine's other load hits both alike.
        for round in 1..=plan.ingest_rounds {
            for (secure_round, addr, proc_) in
                [(false, &plain_addr, &plain), (true, &tls_addr, &secure)]
            {
                eprintln!(
                    "  tls: ingest over {}, {agents} agent(s), {} s (round {round}/{})",
                    if secure_round { "TLS" } else { "plaintext" },
                    plan.ingest_secs,
                    plan.ingest_rounds
                );
                let r = ingest::run_ours(
                    addr,
                    &t.api_key,
                    pids(proc_),
                    agents,
                    plan.ingest_warmup,
                    Duration::from_secs(plan.ingest_secs),
                )
                .await?;
                if r.errors > 0 {
                    return Err(format!(
                        "ingest over {addr}: {} errors, first: {:?}",
                        r.errors, r.first_error
                    )
                    .into());
                }
                let acc = if secure_round { &mut ours } else { &mut base };
                match acc {
                    Some(acc) => acc.merge(r),
                    None => *acc = Some(r),
                }
            }
        }
        let (mut ours, mut base) = (
            ours.ok_or("no TLS ingest round ran")?,
            base.ok_or("no plaintext ingest round ran")?,
        );
        let case = format!(
            "ingest, {agents} agent{}",
            if agents == 1 { "" } else { "s" }
        );
        report.row(
            "5 tls",
            &case,
            "LogStep/s",
            "/s",
            ours.per_sec(),
            Some(base.per_sec()),
            "plaintext",
        );
        report.latency(
            "5 tls",
            &case,
            &mut ours.latency,
            Some(&mut base.latency),
            "plaintext",
            P3,
        );
    }
    drop(secure);
    drop(plain);
    Ok(())
}
