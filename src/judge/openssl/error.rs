//! OpenSSL's verification errors: the X509_V_ERR_* name, its number and the
//! text `X509_verify_cert_error_string` gives (what `openssl verify`, psql,
//! the mysql client and Python's ssl print).

use serde::Serialize;

/// One X509_V_ERR_* code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Code {
    UnableToGetIssuerCert,
    UnableToGetCrl,
    CertSignatureFailure,
    CrlSignatureFailure,
    CertNotYetValid,
    CertHasExpired,
    CrlNotYetValid,
    CrlHasExpired,
    ErrorInCertNotBeforeField,
    ErrorInCertNotAfterField,
    DepthZeroSelfSignedCert,
    SelfSignedCertInChain,
    UnableToGetIssuerCertLocally,
    CertChainTooLong,
    CertRevoked,
    InvalidCa,
    PathLengthExceeded,
    InvalidPurpose,
    KeyusageNoCertsign,
    UnableToGetCrlIssuer,
    UnhandledCriticalExtension,
    KeyusageNoCrlSign,
    UnhandledCriticalCrlExtension,
    ProxyCertificatesNotAllowed,
    PermittedViolation,
    ExcludedViolation,
    SubtreeMinmax,
    UnsupportedConstraintType,
    UnsupportedNameSyntax,
    HostnameMismatch,
    IpAddressMismatch,
    EeKeyTooSmall,
    CaKeyTooSmall,
    CaMdTooWeak,
    EcKeyExplicitParams,
}

/// Each code: (code, number, X509_V_ERR_ name, text), as OpenSSL 3.0 defines them.
const TABLE: &[(Code, i32, &str, &str)] = &[
    (
        Code::UnableToGetIssuerCert,
        2,
        "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT",
        "unable to get issuer certificate",
    ),
    (
        Code::UnableToGetCrl,
        3,
        "X509_V_ERR_UNABLE_TO_GET_CRL",
        "unable to get certificate CRL",
    ),
    (
        Code::CertSignatureFailure,
        7,
        "X509_V_ERR_CERT_SIGNATURE_FAILURE",
        "certificate signature failure",
    ),
    (
        Code::CrlSignatureFailure,
        8,
        "X509_V_ERR_CRL_SIGNATURE_FAILURE",
        "CRL signature failure",
    ),
    (
        Code::CertNotYetValid,
        9,
        "X509_V_ERR_CERT_NOT_YET_VALID",
        "certificate is not yet valid",
    ),
    (
        Code::CertHasExpired,
        10,
        "X509_V_ERR_CERT_HAS_EXPIRED",
        "certificate has expired",
    ),
    (
        Code::CrlNotYetValid,
        11,
        "X509_V_ERR_CRL_NOT_YET_VALID",
        "CRL is not yet valid",
    ),
    (
        Code::CrlHasExpired,
        12,
        "X509_V_ERR_CRL_HAS_EXPIRED",
        "CRL has expired",
    ),
    (
        Code::ErrorInCertNotBeforeField,
        13,
        "X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD",
        "format error in certificate's notBefore field",
    ),
    (
        Code::ErrorInCertNotAfterField,
        14,
        "X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD",
        "format error in certificate's notAfter field",
    ),
    (
        Code::DepthZeroSelfSignedCert,
        18,
        "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT",
        "self-signed certificate",
    ),
    (
        Code::SelfSignedCertInChain,
        19,
        "X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN",
        "self-signed certificate in certificate chain",
    ),
    (
        Code::UnableToGetIssuerCertLocally,
        20,
        "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
        "unable to get local issuer certificate",
    ),
    (
        Code::CertChainTooLong,
        22,
        "X509_V_ERR_CERT_CHAIN_TOO_LONG",
        "certificate chain too long",
    ),
    (
        Code::CertRevoked,
        23,
        "X509_V_ERR_CERT_REVOKED",
        "certificate revoked",
    ),
    (
        Code::InvalidCa,
        79,
        "X509_V_ERR_INVALID_CA",
        "invalid CA certificate",
    ),
    (
        Code::PathLengthExceeded,
        25,
        "X509_V_ERR_PATH_LENGTH_EXCEEDED",
        "path length constraint exceeded",
    ),
    (
        Code::InvalidPurpose,
        26,
        "X509_V_ERR_INVALID_PURPOSE",
        "unsupported certificate purpose",
    ),
    (
        Code::KeyusageNoCertsign,
        32,
        "X509_V_ERR_KEYUSAGE_NO_CERTSIGN",
        "key usage does not include certificate signing",
    ),
    (
        Code::UnableToGetCrlIssuer,
        33,
        "X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER",
        "unable to get CRL issuer certificate",
    ),
    (
        Code::UnhandledCriticalExtension,
        34,
        "X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION",
        "unhandled critical extension",
    ),
    (
        Code::KeyusageNoCrlSign,
        35,
        "X509_V_ERR_KEYUSAGE_NO_CRL_SIGN",
        "key usage does not include CRL signing",
    ),
    (
        Code::UnhandledCriticalCrlExtension,
        36,
        "X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION",
        "unhandled critical CRL extension",
    ),
    (
        Code::ProxyCertificatesNotAllowed,
        40,
        "X509_V_ERR_PROXY_CERTIFICATES_NOT_ALLOWED",
        "proxy certificates not allowed, please set the appropriate flag",
    ),
    (
        Code::PermittedViolation,
        47,
        "X509_V_ERR_PERMITTED_VIOLATION",
        "permitted subtree violation",
    ),
    (
        Code::ExcludedViolation,
        48,
        "X509_V_ERR_EXCLUDED_VIOLATION",
        "excluded subtree violation",
    ),
    (
        Code::SubtreeMinmax,
        49,
        "X509_V_ERR_SUBTREE_MINMAX",
        "name constraints minimum and maximum not supported",
    ),
    (
        Code::UnsupportedConstraintType,
        51,
        "X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE",
        "unsupported name constraint type",
    ),
    (
        Code::UnsupportedNameSyntax,
        53,
        "X509_V_ERR_UNSUPPORTED_NAME_SYNTAX",
        "unsupported or invalid name syntax",
    ),
    (
        Code::HostnameMismatch,
        62,
        "X509_V_ERR_HOSTNAME_MISMATCH",
        "hostname mismatch",
    ),
    (
        Code::IpAddressMismatch,
        64,
        "X509_V_ERR_IP_ADDRESS_MISMATCH",
        "IP address mismatch",
    ),
    (
        Code::EeKeyTooSmall,
        66,
        "X509_V_ERR_EE_KEY_TOO_SMALL",
        "EE certificate key too weak",
    ),
    (
        Code::CaKeyTooSmall,
        67,
        "X509_V_ERR_CA_KEY_TOO_SMALL",
        "CA certificate key too weak",
    ),
    (
        Code::CaMdTooWeak,
        68,
        "X509_V_ERR_CA_MD_TOO_WEAK",
        "CA signature digest algorithm too weak",
    ),
    (
        Code::EcKeyExplicitParams,
        94,
        "X509_V_ERR_EC_KEY_EXPLICIT_PARAMS",
        "Certificate public key has explicit ECC parameters",
    ),
];

impl Code {
    /// (number, X509_V_ERR_ name, text).
    fn parts(self) -> (i32, &'static str, &'static str) {
        TABLE
            .iter()
            .find(|(c, ..)| *c == self)
            .map(|&(_, n, name, text)| (n, name, text))
            .unwrap_or((
                1,
                "X509_V_ERR_UNSPECIFIED",
                "unspecified certificate verification error",
            ))
    }

    pub fn number(self) -> i32 {
        self.parts().0
    }

    /// `X509_V_ERR_CERT_HAS_EXPIRED`.
    pub fn name(self) -> &'static str {
        self.parts().1
    }

    /// `certificate has expired`.
    pub fn text(self) -> &'static str {
        self.parts().2
    }
}

/// The first error X509_verify_cert reports, at the depth it names (0: the leaf).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenSslError {
    pub code: Code,
    pub depth: usize,
}

impl std::fmt::Display for OpenSslError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at depth {})", self.code.text(), self.depth)
    }
}

/// Why the model gives no verdict of OpenSSL's: the chain has something
/// whose handling it does not reproduce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotModelled(pub String);

/// What verification came to, when it is not a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    OpenSsl(OpenSslError),
    NotModelled(NotModelled),
}

impl From<OpenSslError> for Refusal {
    fn from(e: OpenSslError) -> Refusal {
        Refusal::OpenSsl(e)
    }
}

impl From<NotModelled> for Refusal {
    fn from(e: NotModelled) -> Refusal {
        Refusal::NotModelled(e)
    }
}

/// An error at a depth, as a [`Refusal`].
pub(crate) fn fail<T>(code: Code, depth: usize) -> Result<T, Refusal> {
    Err(Refusal::OpenSsl(OpenSslError { code, depth }))
}

/// Not modelled, for `what`.
pub(crate) fn not_modelled<T>(what: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal::NotModelled(NotModelled(what.into())))
}
