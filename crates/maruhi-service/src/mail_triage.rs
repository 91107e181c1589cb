//! Targeted-mail (標的型メール) triage for the CSIRT: uploaded mail (`.eml`, mbox) examined by
//! maruhi-mail against the company's own domains (the installation's `company` domains) and the
//! server's configured partners and border authserv-id. Nothing uploaded is stored; a confirmed
//! mail becomes a case through [`Service::open_case`].

use maruhi_mail::{Config, Input, Triage, Triager};

use crate::{policy, Actor, Error, Result, Service};

impl Service {
    /// Triages uploaded mail: each `(name, bytes)` is one mail or an mbox. `config` carries the
    /// partners' domains and the border server's authserv-id; the company's own domains are
    /// added from the installation. Admin, legal/IP and analysts: those who handle incidents.
    pub async fn triage_mail(
        &self,
        actor: &Actor,
        mut config: Config,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<Triage> {
        if !policy::may_triage_mail(actor) {
            return Err(Error::Forbidden);
        }
        {
            let mut conn = self.db.read().await?;
            for (domain, category) in maruhi_store::risk::domains(&mut conn).await? {
                if category == "company" {
                    config.own_domains.push(domain);
                }
            }
        }
        let inputs: Vec<Input> = files.into_iter().flat_map(|(name, bytes)| maruhi_mail::split(&name, bytes)).collect();
        tokio::task::spawn_blocking(move || Triager::new(config).triage(inputs)).await.map_err(Error::task)
    }
}
