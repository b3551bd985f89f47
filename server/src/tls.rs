//! HTTPS with rustls (ring provider): tablets get a service worker and lasting storage only
//! from a secure origin, so the server can terminate TLS itself with the commune's certificate.
//!
//! [`TlsListener`] plugs into `axum::serve` as a listener, so routing, graceful shutdown and
//! tests are the same with or without TLS. Handshakes run in their own tasks with a deadline:
//! a slow or silent client never holds up the others.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{Semaphore, mpsc},
    task::JoinHandle,
};
use tokio_rustls::{TlsAcceptor, rustls, server::TlsStream};

/// Longest a client may take to complete the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);
/// Handshakes in progress at once; more wait to be accepted.
const MAX_HANDSHAKES: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate {0}: {1}")]
    ReadCert(PathBuf, String),
    #[error("no certificate (PEM \"BEGIN CERTIFICATE\") in {0}")]
    NoCert(PathBuf),
    #[error("cannot read the TLS private key {0}: {1}")]
    ReadKey(PathBuf, String),
    #[error(
        "no private key (PEM \"BEGIN PRIVATE KEY\", \"BEGIN RSA PRIVATE KEY\" or \"BEGIN EC PRIVATE KEY\") in {0}"
    )]
    NoKey(PathBuf),
    #[error(
        "the TLS key {key} does not go with the certificate {cert} (or is not usable): {reason}"
    )]
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
}

fn pem_problem(e: rustls_pki_types::pem::Error) -> String {
    match e {
        rustls_pki_types::pem::Error::Io(io) => io.to_string(),
        other => format!("not valid PEM ({other})"),
    }
}

/// Reads a PEM certificate chain (leaf first, as certbot's `fullchain.pem`) and its PEM
/// private key (PKCS#8, PKCS#1 or SEC1), and checks that they belong together.
pub fn load_server_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, TlsError> {
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| TlsError::ReadCert(cert.to_owned(), pem_problem(e)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::ReadCert(cert.to_owned(), pem_problem(e)))?;
    if chain.is_empty() {
        return Err(TlsError::NoCert(cert.to_owned()));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => TlsError::NoKey(key.to_owned()),
        other => TlsError::ReadKey(key.to_owned(), pem_problem(other)),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Mismatch {
            cert: cert.to_owned(),
            key: key.to_owned(),
            reason: e.to_string(),
        })?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| TlsError::Mismatch {
            cert: cert.to_owned(),
            key: key.to_owned(),
            reason: e.to_string(),
        })?;
    // The server speaks HTTP/1.1 (axum's default features).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A TCP listener that hands `axum::serve` connections whose TLS handshake is done.
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    acceptor: JoinHandle<()>,
}

impl TlsListener {
    pub fn new(listener: TcpListener, config: rustls::ServerConfig) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let (tx, ready) = mpsc::channel(64);
        let acceptor = tokio::spawn(accept_loop(listener, acceptor, tx));
        Ok(Self {
            local,
            ready,
            acceptor,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        // Graceful shutdown drops the listener: stop taking connections at once.
        self.acceptor.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let (tcp, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => {
                    let _ = ready.send((stream, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop ended (only when the runtime shuts down): accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// A plain-HTTP listener that only redirects to the HTTPS address (`--redirect-http`).
/// `https_port` is the port of the TLS listener; 443 is left out of the URL.
pub fn redirect_router(https_port: u16) -> axum::Router {
    use axum::{
        http::{StatusCode, Uri, header},
        response::{IntoResponse, Redirect},
    };
    axum::Router::new().fallback(move |headers: axum::http::HeaderMap, uri: Uri| async move {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.parse::<axum::http::uri::Authority>().ok());
        let Some(host) = host else {
            return (StatusCode::BAD_REQUEST, "a Host header is required").into_response();
        };
        let name = host.host();
        let authority = if https_port == 443 {
            name.to_string()
        } else {
            format!("{name}:{https_port}")
        };
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        Redirect::permanent(&format!("https://{authority}{path}")).into_response()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        let e = load_server_config(&cert, &key).unwrap_err();
        assert!(matches!(e, TlsError::ReadCert(..)), "{e}");
        assert!(e.to_string().contains("cert.pem"), "{e}");
        std::fs::write(&cert, "not a certificate").unwrap();
        let e = load_server_config(&cert, &key).unwrap_err();
        assert!(matches!(e, TlsError::NoCert(..)), "{e}");
    }
}
