//! A local RFC 3161 TSA for tests of every crate (feature `testing`): OpenSSL
//! 3 `ts -reply` under the configuration of the local-TSA recipe, with a CA
//! and a TSA certificate made for the run. This module runs processes; the
//! rest of the crate stays pure.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A TSA in its own folder.
#[derive(Debug, Clone)]
pub struct TestTsa {
    pub dir: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("openssl").current_dir(dir).args(args).output().map_err(|e| format!("openssl: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

impl TestTsa {
    /// Makes a CA and a TSA certificate under it in `dir`, with keys made by
    /// `key` (e.g. `["-newkey", "rsa:2048"]` or `["-newkey", "ec", "-pkeyopt",
    /// "ec_paramgen_curve:P-256"]`).
    pub fn create(dir: &Path, key: &[&str]) -> Result<TestTsa, String> {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("tsa.cnf"), include_str!("../tests/it/data/tsa.cnf")).map_err(|e| e.to_string())?;
        let mut ca = vec!["req", "-config", "tsa.cnf", "-x509", "-nodes", "-keyout", "ca.key", "-out", "ca.crt"];
        ca.extend_from_slice(key);
        ca.extend_from_slice(&["-days", "30", "-subj", "/CN=Test Root CA", "-extensions", "v3_ca"]);
        openssl(dir, &ca)?;
        let mut csr = vec!["req", "-config", "tsa.cnf", "-new", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr"];
        csr.extend_from_slice(key);
        csr.extend_from_slice(&["-subj", "/CN=Test TSA"]);
        openssl(dir, &csr)?;
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "tsa.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "tsa.crt",
                "-days",
                "30",
                "-extfile",
                "tsa.cnf",
                "-extensions",
                "v3_tsa",
            ],
        )?;
        std::fs::write(dir.join("tsaserial"), "01\n").map_err(|e| e.to_string())?;
        Ok(TestTsa { dir: dir.to_owned() })
    }

    /// The CA certificate (PEM) path.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// The CA certificate as DER, the trust anchor for [`crate::verify_token`].
    pub fn ca_der(&self) -> Result<Vec<u8>, String> {
        let pem = std::fs::read(self.ca_path()).map_err(|e| e.to_string())?;
        crate::certificate_der(&pem).map_err(|e| e.to_string())
    }

    /// Answers a DER `TimeStampReq` with a DER `TimeStampResp`.
    pub fn reply(&self, request: &[u8]) -> Result<Vec<u8>, String> {
        std::fs::write(self.dir.join("req.tsq"), request).map_err(|e| e.to_string())?;
        openssl(&self.dir, &["ts", "-reply", "-config", "tsa.cnf", "-queryfile", "req.tsq", "-out", "resp.tsr"])?;
        std::fs::read(self.dir.join("resp.tsr")).map_err(|e| e.to_string())
    }

    /// Runs `openssl` in the TSA's folder (for cross-checks in tests).
    pub fn openssl(&self, args: &[&str]) -> Result<(), String> {
        openssl(&self.dir, args)
    }
}
