//! RFC 3161 time stamps for maruhi's evidence ledger.
//!
//! A time-stamp token from a trusted authority (TSA) over the hash of a
//! signed checkpoint proves that the checkpoint, and so every entry below it,
//! existed at the token's time: one token dates thousands of registered
//! files (prior-use evidence, 先使用権). This crate is pure: it builds the
//! request ([`request`]), takes the token out of a response
//! ([`token_from_response`]) and verifies a token ([`verify_token`]) against
//! trust anchors, for RSA (PKCS #1 v1.5) and ECDSA (P-256, P-384) TSAs.
//!
//! Verification follows RFC 3161 §2.4.2 and RFC 5652 §5.4/§5.6: the TSTInfo's
//! message imprint must be our hash; the signed attributes must carry the
//! content type id-ct-TSTInfo and the digest of the TSTInfo; the signature over
//! the DER of the signed attributes must verify with the signer's certificate;
//! that certificate must carry the critical extended key usage timeStamping
//! (RFC 3161 §2.3) and be one of, or be signed by one of, the trust anchors.
//!
//! ```no_run
//! let hash = [0u8; 32];
//! let req = maruhi_timestamp::request(&hash, 42)?;
//! # let response: Vec<u8> = Vec::new(); let ca_der: Vec<u8> = Vec::new();
//! let token = maruhi_timestamp::token_from_response(&response)?;
//! let stamp = maruhi_timestamp::verify_token(&token, &hash, &[ca_der])?;
//! println!("existed at {} (unix time)", stamp.unix_time);
//! # Ok::<(), maruhi_timestamp::Error>(())
//! ```
#![forbid(unsafe_code)]

#[cfg(feature = "testing")]
pub mod testing;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::db::{rfc5911, rfc5912};
use const_oid::ObjectIdentifier;
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

/// Why a token was not accepted. Stable codes for evidence reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("MRH-TSA-001: malformed {what}")]
    Malformed { what: &'static str },
    #[error("MRH-TSA-002: the TSA refused the request (status {status})")]
    Refused { status: u8 },
    #[error("MRH-TSA-003: the token is for another hash")]
    WrongImprint,
    #[error("MRH-TSA-004: the signed attributes do not match the token contents")]
    BadSignedAttributes,
    #[error("MRH-TSA-005: the TSA's signature does not verify")]
    BadSignature,
    #[error("MRH-TSA-006: the TSA certificate is not trusted")]
    Untrusted,
    #[error("MRH-TSA-007: the TSA certificate is not for time stamping")]
    NotForTimeStamping,
    #[error("MRH-TSA-008: unsupported algorithm {oid}")]
    Unsupported { oid: String },
}

impl Error {
    /// The stable code (`MRH-TSA-…`), also the start of the message.
    pub const fn code(&self) -> &'static str {
        match self {
            Error::Malformed { .. } => "MRH-TSA-001",
            Error::Refused { .. } => "MRH-TSA-002",
            Error::WrongImprint => "MRH-TSA-003",
            Error::BadSignedAttributes => "MRH-TSA-004",
            Error::BadSignature => "MRH-TSA-005",
            Error::Untrusted => "MRH-TSA-006",
            Error::NotForTimeStamping => "MRH-TSA-007",
            Error::Unsupported { .. } => "MRH-TSA-008",
        }
    }
}

fn malformed<E>(what: &'static str) -> impl Fn(E) -> Error {
    move |_| Error::Malformed { what }
}

/// id-kp-timeStamping (RFC 3161 §2.3).
const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
/// id-ct-TSTInfo (RFC 3161 §2.4.2).
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// A verified time stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeStamp {
    /// The TSA's time, seconds since the Unix epoch.
    pub unix_time: u64,
    /// The signer certificate's subject, e.g. `CN=Test TSA`.
    pub tsa: String,
    /// The TSA's serial number of this token, in hex.
    pub serial: String,
    /// When the signer's certificate expires, seconds since the Unix epoch:
    /// the token should be renewed before then.
    pub not_after: u64,
}

/// A DER `TimeStampReq` for a SHA-256 hash, asking for the TSA's certificate.
pub fn request(hash: &[u8; 32], nonce: u64) -> Result<Vec<u8>, Error> {
    let req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: spki::AlgorithmIdentifier { oid: ID_SHA256, parameters: None },
            hashed_message: OctetString::new(hash.to_vec()).map_err(malformed("hash"))?,
        },
        req_policy: None,
        nonce: Some(Int::new(&minimal_unsigned(nonce)).map_err(malformed("nonce"))?),
        cert_req: true,
        extensions: None,
    };
    req.to_der().map_err(malformed("request"))
}

/// The DER content octets of a positive INTEGER: no redundant leading zero
/// bytes (X.690 §8.3.2), and a zero byte first when the high bit is set.
fn minimal_unsigned(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len() - 1);
    let mut out = bytes[first..].to_vec();
    if out[0] & 0x80 != 0 {
        out.insert(0, 0);
    }
    out
}

/// The token (a CMS ContentInfo, DER) inside a `TimeStampResp`.
pub fn token_from_response(response: &[u8]) -> Result<Vec<u8>, Error> {
    let resp = TimeStampResp::from_der(response).map_err(malformed("time-stamp response"))?;
    let status = resp.status.status as u8;
    // granted (0) or grantedWithMods (1), RFC 3161 §2.4.2.
    if status > 1 {
        return Err(Error::Refused { status });
    }
    let token = resp.time_stamp_token.ok_or(Error::Malformed { what: "response without a token" })?;
    token.to_der().map_err(malformed("token"))
}

fn digest(oid: &ObjectIdentifier, data: &[u8]) -> Result<Vec<u8>, Error> {
    Ok(match *oid {
        ID_SHA256 => Sha256::digest(data).to_vec(),
        ID_SHA384 => Sha384::digest(data).to_vec(),
        ID_SHA512 => Sha512::digest(data).to_vec(),
        other => return Err(Error::Unsupported { oid: other.to_string() }),
    })
}

/// Verifies `signature` over `message` (hashed with `digest_oid`) with `spki`.
fn verify_signature(
    spki: &spki::SubjectPublicKeyInfoOwned,
    digest_oid: &ObjectIdentifier,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let prehash = digest(digest_oid, message)?;
    let key_bytes = spki.subject_public_key.raw_bytes();
    match spki.algorithm.oid {
        rfc5912::RSA_ENCRYPTION => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            let key = rsa::RsaPublicKey::from_pkcs1_der(key_bytes).map_err(malformed("RSA key"))?;
            let scheme = match *digest_oid {
                ID_SHA256 => rsa::Pkcs1v15Sign::new::<Sha256>(),
                ID_SHA384 => rsa::Pkcs1v15Sign::new::<Sha384>(),
                _ => rsa::Pkcs1v15Sign::new::<Sha512>(),
            };
            key.verify(scheme, &prehash, signature).map_err(|_| Error::BadSignature)
        }
        rfc5912::ID_EC_PUBLIC_KEY => {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .ok_or(Error::Malformed { what: "EC parameters" })?;
            match curve {
                rfc5912::SECP_256_R_1 => {
                    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes).map_err(malformed("P-256 key"))?;
                    let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| Error::BadSignature)?;
                    key.verify_prehash(&prehash, &sig).map_err(|_| Error::BadSignature)
                }
                rfc5912::SECP_384_R_1 => {
                    let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes).map_err(malformed("P-384 key"))?;
                    let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| Error::BadSignature)?;
                    key.verify_prehash(&prehash, &sig).map_err(|_| Error::BadSignature)
                }
                other => Err(Error::Unsupported { oid: other.to_string() }),
            }
        }
        other => Err(Error::Unsupported { oid: other.to_string() }),
    }
}

/// The digest that a certificate signature algorithm uses.
fn cert_signature_digest(oid: &ObjectIdentifier) -> Result<ObjectIdentifier, Error> {
    Ok(match *oid {
        rfc5912::SHA_256_WITH_RSA_ENCRYPTION | rfc5912::ECDSA_WITH_SHA_256 => ID_SHA256,
        rfc5912::SHA_384_WITH_RSA_ENCRYPTION | rfc5912::ECDSA_WITH_SHA_384 => ID_SHA384,
        rfc5912::SHA_512_WITH_RSA_ENCRYPTION | rfc5912::ECDSA_WITH_SHA_512 => ID_SHA512,
        other => return Err(Error::Unsupported { oid: other.to_string() }),
    })
}

/// Whether `cert` is one of the anchors or directly signed by one.
fn trusted(cert: &Certificate, anchors: &[Certificate]) -> Result<bool, Error> {
    let der = cert.to_der().map_err(malformed("certificate"))?;
    for anchor in anchors {
        if anchor.to_der().map_err(malformed("certificate"))? == der {
            return Ok(true);
        }
        if anchor.tbs_certificate.subject != cert.tbs_certificate.issuer {
            continue;
        }
        let tbs = cert.tbs_certificate.to_der().map_err(malformed("certificate"))?;
        let digest_oid = cert_signature_digest(&cert.signature_algorithm.oid)?;
        let sig = cert.signature.raw_bytes();
        if verify_signature(&anchor.tbs_certificate.subject_public_key_info, &digest_oid, &tbs, sig).is_ok() {
            return Ok(true);
        }
    }
    Ok(false)
}

fn for_time_stamping(cert: &Certificate) -> bool {
    cert.tbs_certificate.extensions.iter().flatten().any(|ext| {
        ext.extn_id == rfc5912::ID_CE_EXT_KEY_USAGE
            && ext.critical
            && x509_cert::ext::pkix::ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
                .is_ok_and(|eku| eku.0.contains(&ID_KP_TIME_STAMPING))
    })
}

fn signer_certificate<'a>(sd: &'a SignedData, signer: &SignerInfo) -> Option<&'a Certificate> {
    let certs: Vec<&Certificate> = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(cert) => Some(cert),
            _ => None,
        })
        .collect();
    match &signer.sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => certs
            .into_iter()
            .find(|c| c.tbs_certificate.issuer == id.issuer && c.tbs_certificate.serial_number == id.serial_number),
        SignerIdentifier::SubjectKeyIdentifier(_) => certs.into_iter().next(),
    }
}

/// Verifies a token (DER ContentInfo) over `hash` against trust anchors
/// (DER certificates: a CA, or the TSA's own certificate pinned).
pub fn verify_token(token: &[u8], hash: &[u8; 32], anchors: &[Vec<u8>]) -> Result<TimeStamp, Error> {
    let anchors = anchors
        .iter()
        .map(|a| Certificate::from_der(a).map_err(malformed("trust anchor")))
        .collect::<Result<Vec<_>, _>>()?;
    let info = ContentInfo::from_der(token).map_err(malformed("token"))?;
    if info.content_type != rfc5911::ID_SIGNED_DATA {
        return Err(Error::Malformed { what: "token content type" });
    }
    let sd: SignedData = info.content.decode_as().map_err(malformed("signed data"))?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(Error::Malformed { what: "encapsulated content type" });
    }
    let econtent = sd.encap_content_info.econtent.as_ref().ok_or(Error::Malformed { what: "empty token" })?;
    let tst_der = econtent.decode_as::<OctetString>().map_err(malformed("TSTInfo"))?.into_bytes();
    let tst = TstInfo::from_der(&tst_der).map_err(malformed("TSTInfo"))?;
    if tst.message_imprint.hash_algorithm.oid != ID_SHA256 || tst.message_imprint.hashed_message.as_bytes() != hash {
        return Err(Error::WrongImprint);
    }
    let signer = sd.signer_infos.0.iter().next().ok_or(Error::Malformed { what: "no signer" })?;
    let attrs = signer.signed_attrs.as_ref().ok_or(Error::BadSignedAttributes)?;
    let expected_digest = digest(&signer.digest_alg.oid, &tst_der)?;
    let mut digest_ok = false;
    let mut type_ok = false;
    for attr in attrs.iter() {
        let value = attr.values.iter().next();
        match attr.oid {
            rfc5911::ID_MESSAGE_DIGEST => {
                digest_ok = value
                    .and_then(|v| v.decode_as::<OctetString>().ok())
                    .is_some_and(|d| d.as_bytes() == expected_digest.as_slice());
            }
            rfc5911::ID_CONTENT_TYPE => {
                type_ok = value.and_then(|v| v.decode_as::<ObjectIdentifier>().ok()) == Some(ID_CT_TST_INFO);
            }
            _ => {}
        }
    }
    if !(digest_ok && type_ok) {
        return Err(Error::BadSignedAttributes);
    }
    // RFC 5652 §5.4: the signature covers the DER of the attributes as a SET OF.
    let signed = attrs.to_der().map_err(malformed("signed attributes"))?;
    let cert = signer_certificate(&sd, signer).ok_or(Error::Untrusted)?;
    verify_signature(
        &cert.tbs_certificate.subject_public_key_info,
        &signer.digest_alg.oid,
        &signed,
        signer.signature.as_bytes(),
    )?;
    if !for_time_stamping(cert) {
        return Err(Error::NotForTimeStamping);
    }
    if !trusted(cert, &anchors)? {
        return Err(Error::Untrusted);
    }
    Ok(TimeStamp {
        unix_time: tst.gen_time.to_unix_duration().as_secs(),
        tsa: cert.tbs_certificate.subject.to_string(),
        serial: hex::encode(tst.serial_number.as_bytes()),
        not_after: cert.tbs_certificate.validity.not_after.to_unix_duration().as_secs(),
    })
}

/// Reads a PEM or DER certificate into DER.
pub fn certificate_der(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    use der::DecodePem;
    if bytes.starts_with(b"-----BEGIN") {
        let cert = Certificate::from_pem(bytes).map_err(malformed("PEM certificate"))?;
        cert.to_der().map_err(malformed("certificate"))
    } else {
        Certificate::from_der(bytes).map_err(malformed("DER certificate"))?;
        Ok(bytes.to_vec())
    }
}
