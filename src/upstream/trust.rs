//! `Trust`: the certificate authorities `https://` services (and
//! `rediss://` Redis) are checked against: the system's roots, and any
//! private CA an operator gives (`--backend-ca FILE`, a service's
//! `ca_file`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

/// The certificate authorities a TLS connection trusts: the system's
/// roots, and private CAs added from PEM files.
///
/// ```no_run
/// use peregrine::upstream::Trust;
///
/// let trust = Trust::system().with_pem_file("/etc/peregrine/backend-ca.pem")?;
/// # Ok::<(), peregrine::upstream::TrustError>(())
/// ```
#[derive(Clone, Default)]
pub struct Trust {
    /// The private CAs added, with the files they came from.
    added: Vec<(PathBuf, Arc<[CertificateDer<'static>]>)>,
}

/// A private CA file that cannot be used, naming the file and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustError {
    kind: TrustErrorKind,
    message: String,
}

/// What kind of [`TrustError`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustErrorKind {
    /// The file cannot be read.
    Unreadable,
    /// The file holds no PEM certificate, or one that does not parse.
    NotCertificates,
}

impl TrustError {
    /// What kind of error it is.
    pub fn kind(&self) -> TrustErrorKind {
        self.kind
    }
}

impl fmt::Display for TrustError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TrustError {}

impl Trust {
    /// The system's roots alone (read from the platform's store when a
    /// connector is built).
    pub fn system() -> Trust {
        Trust::default()
    }

    /// The same trust, and the certificates of the PEM file at `path`
    /// (one or more `CERTIFICATE` blocks): refused when it cannot be
    /// read or holds none.
    pub fn with_pem_file(mut self, path: impl AsRef<Path>) -> Result<Trust, TrustError> {
        let path = path.as_ref();
        let refused = |kind, why: String| TrustError {
            kind,
            message: format!("the CA file {}: {why}", path.display()),
        };
        let pem = std::fs::read(path)
            .map_err(|error| refused(TrustErrorKind::Unreadable, error.to_string()))?;
        let certificates = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| {
                let why = format!("not PEM certificates ({error})");
                refused(TrustErrorKind::NotCertificates, why)
            })?;
        if certificates.is_empty() {
            let why = "it holds no PEM certificate".to_owned();
            return Err(refused(TrustErrorKind::NotCertificates, why));
        }
        self.added.push((path.to_path_buf(), certificates.into()));
        Ok(self)
    }

    /// The same trust, and `other`'s private CAs.
    pub fn and(mut self, other: &Trust) -> Trust {
        for added in &other.added {
            if !self.added.iter().any(|(path, _)| *path == added.0) {
                self.added.push(added.clone());
            }
        }
        self
    }

    /// Whether it trusts more than the system's roots.
    pub fn has_private_ca(&self) -> bool {
        !self.added.is_empty()
    }

    /// The root store: the system's roots (those it can read; a system
    /// without any still trusts the private CAs) and the private CAs.
    pub(crate) fn roots(&self) -> RootCertStore {
        let mut roots = RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        if !native.errors.is_empty() {
            tracing::debug!(errors = ?native.errors, "some of the system's root certificates could not be read");
        }
        roots.add_parsable_certificates(native.certs);
        for (_, certificates) in &self.added {
            roots.add_parsable_certificates(certificates.iter().cloned());
        }
        roots
    }

    /// A TLS client configuration trusting these roots (TLS 1.2 and
    /// 1.3, *ring*'s algorithms: see docs/decisions/0004).
    pub(crate) fn client_config(&self) -> rustls::ClientConfig {
        // ring, not aws-lc-rs: no C toolchain in the build; it lacks the
        // post-quantum key exchange, which rustls marks by deprecating it.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports TLS 1.2 and 1.3")
            .with_root_certificates(self.roots())
            .with_no_client_auth()
    }
}

impl fmt::Debug for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files: Vec<_> = self.added.iter().map(|(path, _)| path).collect();
        f.debug_struct("Trust").field("private_ca", &files).finish()
    }
}

impl PartialEq for Trust {
    fn eq(&self, other: &Trust) -> bool {
        let files = |trust: &Trust| -> Vec<PathBuf> {
            trust.added.iter().map(|(path, _)| path.clone()).collect()
        };
        files(self) == files(other)
    }
}

/// What clients are told of a TLS failure, in words that name no host:
/// why the service's certificate was not accepted, or that the handshake
/// failed.
pub(crate) fn tls_reason(error: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(reason_of(tls));
        }
        // An I/O error carries its cause as its payload, not its source
        // (hyper-rustls wraps rustls's error in two of them).
        current = match error.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => error.source(),
        };
    }
    None
}

fn reason_of(error: &rustls::Error) -> &'static str {
    use rustls::CertificateError as Certificate;
    match error {
        rustls::Error::InvalidCertificate(certificate) => match certificate {
            Certificate::UnknownIssuer => {
                "its TLS certificate is issued by an authority this server does not trust \
                 (give the CA with --backend-ca or the service's `ca_file`)"
            }
            Certificate::Expired | Certificate::ExpiredContext { .. } => {
                "its TLS certificate has expired"
            }
            Certificate::NotValidYet | Certificate::NotValidYetContext { .. } => {
                "its TLS certificate is not valid yet"
            }
            Certificate::NotValidForName | Certificate::NotValidForNameContext { .. } => {
                "its TLS certificate is not valid for the host name in its URL"
            }
            Certificate::Revoked => "its TLS certificate is revoked",
            Certificate::BadSignature => "its TLS certificate has a bad signature",
            _ => "its TLS certificate is not accepted",
        },
        _ => "the TLS handshake with it failed",
    }
}
